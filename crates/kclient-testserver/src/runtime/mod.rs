//! The simulated container runtime behind the server's kubelet: for every running pod, its
//! containers, each with an in-memory file system ([`fs`]), a bounded log ([`log`]) and a
//! built-in POSIX-like shell ([`shell`]) that `exec` and `attach` run instead of processes.
//! Plays the part of the CRI runtime (containerd) and the kubelet's streaming server
//! (`k8s.io/cri-streaming`); the kubelet's pod-status side is `api::kubelet`.

pub mod fs;
pub mod log;
pub mod process;
pub mod shell;
pub mod tty;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::watch;

use fs::Fs;
use log::{LogRing, Stream};

/// A volume's files: paths relative to the mount point, with their bytes.
pub type Files = Vec<(String, Vec<u8>)>;

/// What the kubelet prepared to start a container.
#[derive(Debug, Clone, Default)]
pub struct ContainerSpec {
    /// The container's name.
    pub name: String,
    /// Its image, as in the pod spec.
    pub image: String,
    /// `command` followed by `args`.
    pub command: Vec<String>,
    /// The environment (`env` resolved, with the kubelet's own variables).
    pub env: Vec<(String, String)>,
    /// `stdin: true` in the spec (attach may write to the main process).
    pub stdin: bool,
    /// `stdinOnce: true` in the spec (the first attach that closes stdin closes it for good).
    pub stdin_once: bool,
    /// Read-only volumes: mount path, files (relative path, bytes), file mode.
    pub mounts: Vec<(String, Files, u32)>,
    /// Writable empty directories (emptyDir and other volumes) to create.
    pub dirs: Vec<String>,
}

/// A container's log with wake-ups for followers.
#[derive(Debug)]
pub struct ContainerLog {
    ring: Mutex<LogRing>,
    written: watch::Sender<u64>,
}

impl ContainerLog {
    fn new() -> Self {
        Self {
            ring: Mutex::new(LogRing::new(log::LOG_CAPACITY)),
            written: watch::channel(0).0,
        }
    }

    /// The ring, locked.
    pub fn ring(&self) -> MutexGuard<'_, LogRing> {
        self.ring.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends what the container's main process wrote to `stream`.
    pub fn write(&self, stream: Stream, data: &[u8]) {
        if data.is_empty() {
            return;
        }
        let next = {
            let mut ring = self.ring();
            ring.append(jiff::Timestamp::now(), stream, data);
            ring.next_seq()
        };
        self.written.send_replace(next);
    }

    /// Notified (with the next sequence number) after every write.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.written.subscribe()
    }

    /// Starts a new instance's log: the old one is returned (sequence numbers go on, so
    /// followers' cursors stay valid).
    fn restart(&self) -> LogRing {
        let mut ring = self.ring();
        let mut fresh = LogRing::new(log::LOG_CAPACITY);
        fresh.skip_to(ring.next_seq());
        std::mem::replace(&mut *ring, fresh)
    }
}

/// How an instance of a container ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terminated {
    /// The main process's exit code.
    pub exit_code: i32,
    /// When the instance started.
    pub started_at: jiff::Timestamp,
    /// When it ended.
    pub finished_at: jiff::Timestamp,
}

/// Where a container is in its life (what the kubelet reads for `containerStatuses`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lifecycle {
    /// How many times it was restarted.
    pub restarts: u32,
    /// When the current instance started.
    pub started_at: jiff::Timestamp,
    /// How the current instance ended, once it has.
    pub ended: Option<Terminated>,
    /// The previous instance, after a restart.
    pub last: Option<Terminated>,
    /// Set while the kubelet waits to restart the ended instance.
    pub back_off: Option<std::time::Duration>,
}

/// A running container.
#[derive(Debug)]
pub struct Container {
    /// The spec it was started from.
    pub spec: ContainerSpec,
    /// The pod's hostname (its name).
    pub hostname: String,
    /// Its file system.
    pub fs: Mutex<Fs>,
    /// Its log (the main process's stdout and stderr).
    pub log: ContainerLog,
    /// The main process's shell state, when it is a shell fed by attach.
    pub main_shell: Mutex<shell::exec::Shell>,
    /// The main process's stdin while it runs a command that takes input.
    pub main_stdin: Mutex<Option<tokio::sync::mpsc::Sender<bytes::Bytes>>>,
    /// Interrupts the container's processes when it stops.
    pub cancel: Arc<process::Cancel>,
    /// Its lifecycle (restarts, how instances ended).
    pub lifecycle: Mutex<Lifecycle>,
    /// The log of the last terminated instance, after a restart (`previous=true`).
    pub previous_log: Mutex<Option<LogRing>>,
    /// Counts the ends of instances (the main process exited).
    ended: watch::Sender<u32>,
}

impl Container {
    /// Whether the main process runs the container's command at start (anything but no
    /// command or an interactive shell).
    pub fn runs_command(&self) -> bool {
        !self.spec.command.is_empty() && !self.main_is_shell()
    }

    fn stop(&self) {
        self.cancel.cancel();
        self.main_stdin
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
    }

    /// The lifecycle, locked.
    pub fn lifecycle(&self) -> MutexGuard<'_, Lifecycle> {
        self.lifecycle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the current instance still runs.
    pub fn is_running(&self) -> bool {
        self.lifecycle().ended.is_none()
    }

    /// The main process exited with `code`: the instance is over.
    pub fn exited(&self, code: i32) {
        {
            let mut l = self.lifecycle();
            if l.ended.is_some() {
                return;
            }
            l.ended = Some(Terminated {
                exit_code: code,
                started_at: l.started_at,
                finished_at: jiff::Timestamp::now(),
            });
        }
        self.ended.send_modify(|n| *n += 1);
    }

    /// Resolves once the current instance (as of this call) has ended.
    pub fn until_ended(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.ended.subscribe();
        let running = self.is_running();
        async move {
            if running {
                let _ = rx.changed().await;
            }
        }
    }

    /// Starts a new instance after the last one ended (the kubelet's restart): its log moves to
    /// `previous_log`, the restart count goes up, the main process runs again.
    pub fn restart(self: &Arc<Self>) {
        {
            let mut l = self.lifecycle();
            let Some(ended) = l.ended.take() else {
                return;
            };
            l.last = Some(ended);
            l.restarts += 1;
            l.started_at = jiff::Timestamp::now();
        }
        let old = self.log.restart();
        *self.previous_log.lock().unwrap_or_else(|e| e.into_inner()) = Some(old);
        process::start_main(self);
    }
}

impl Container {
    /// Whether the main process is a shell reading commands from stdin (`sh`, `bash`, `ash`
    /// without `-c`): what attach writes to its stdin then runs as shell input.
    pub fn main_is_shell(&self) -> bool {
        let Some(first) = self.spec.command.first() else {
            return false;
        };
        let base = first.rsplit('/').next().unwrap_or(first);
        matches!(base, "sh" | "bash" | "ash" | "dash")
            && !self.spec.command.iter().any(|a| a == "-c")
    }
}

/// A running pod.
#[derive(Debug)]
pub struct PodRuntime {
    /// Containers by name.
    pub containers: BTreeMap<String, Arc<Container>>,
    stopped: watch::Sender<bool>,
}

impl PodRuntime {
    fn stop(&self) {
        for c in self.containers.values() {
            c.stop();
        }
        self.stopped.send_replace(true);
    }

    /// A container by name.
    pub fn container(&self, name: &str) -> Option<Arc<Container>> {
        self.containers.get(name).cloned()
    }

    /// Resolves when the pod's containers are stopped.
    pub fn until_stopped(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let mut rx = self.stopped.subscribe();
        async move {
            let _ = rx.wait_for(|s| *s).await.is_ok();
        }
    }
}

impl Drop for Runtime {
    /// The server is gone: stop every container's processes (blocking threads would otherwise
    /// keep sleeping and hold up the tokio runtime's shutdown).
    fn drop(&mut self) {
        self.stop_all();
    }
}

/// Every running pod, by uid.
#[derive(Debug, Default)]
pub struct Runtime {
    pods: Mutex<HashMap<String, Arc<PodRuntime>>>,
    starting: Mutex<std::collections::HashSet<String>>,
    ips: std::sync::atomic::AtomicU32,
}

impl Runtime {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<PodRuntime>>> {
        self.pods.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts the containers of pod `uid` (named `hostname`): each gets its file system (with
    /// its volumes) and writes its first log line.
    pub fn start(&self, uid: &str, hostname: &str, specs: Vec<ContainerSpec>) -> Arc<PodRuntime> {
        let containers = specs
            .into_iter()
            .map(|spec| {
                let mut fs = Fs::default();
                let _ = fs.write("/etc/hostname", format!("{hostname}\n").as_bytes(), false);
                for dir in &spec.dirs {
                    let _ = fs.mkdir(dir, true);
                }
                for (path, files, mode) in &spec.mounts {
                    fs.mount(path, files, *mode);
                }
                let c = Container {
                    lifecycle: Mutex::new(Lifecycle {
                        restarts: 0,
                        started_at: jiff::Timestamp::now(),
                        ended: None,
                        last: None,
                        back_off: None,
                    }),
                    previous_log: Mutex::new(None),
                    ended: watch::channel(0).0,
                    main_stdin: Mutex::new(None),
                    cancel: Arc::new(process::Cancel::default()),
                    main_shell: Mutex::new(shell::exec::Shell::new(spec.env.clone())),
                    hostname: hostname.to_string(),
                    fs: Mutex::new(fs),
                    log: ContainerLog::new(),
                    spec,
                };
                let c = Arc::new(c);
                if c.runs_command() {
                    process::start_main(&c);
                } else {
                    c.log.write(
                        Stream::Stdout,
                        format!(
                            "kclient-testserver: container {} started (image {})\n",
                            c.spec.name, c.spec.image
                        )
                        .as_bytes(),
                    );
                }
                (c.spec.name.clone(), c)
            })
            .collect();
        let pod = Arc::new(PodRuntime {
            containers,
            stopped: watch::channel(false).0,
        });
        self.lock().insert(uid.to_string(), pod.clone());
        pod
    }

    /// Marks pod `uid` as being started; `false` if it already is.
    pub fn claim(&self, uid: &str) -> bool {
        let mut starting = self.starting.lock().unwrap_or_else(|e| e.into_inner());
        starting.insert(uid.to_string())
    }

    /// Ends what [`claim`](Self::claim) marked.
    pub fn unclaim(&self, uid: &str) {
        let mut starting = self.starting.lock().unwrap_or_else(|e| e.into_inner());
        starting.remove(uid);
    }

    /// A new number for a pod IP.
    pub fn next_ip(&self) -> u32 {
        self.ips.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 2
    }

    /// The running pod with this uid.
    pub fn get(&self, uid: &str) -> Option<Arc<PodRuntime>> {
        self.lock().get(uid).cloned()
    }

    /// Whether pod `uid` runs.
    pub fn contains(&self, uid: &str) -> bool {
        self.lock().contains_key(uid)
    }

    /// Stops pod `uid`: its streams end and its state goes.
    pub fn stop(&self, uid: &str) {
        if let Some(pod) = self.lock().remove(uid) {
            pod.stop();
        }
    }

    /// Stops every pod (server shutdown).
    pub fn stop_all(&self) {
        for (_, pod) in self.lock().drain() {
            pod.stop();
        }
    }
}
