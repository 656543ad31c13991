"""The official Python client (pip package `kubernetes`) against the test server: what a real
v1.36 kube-apiserver answers for typed create/read of pods and deployments, CRDs and custom
objects, the dynamic client, watch and server-side apply. Run by tests/python_client.rs with
KUBECONFIG pointing at the server; exits non-zero (with the failed assertion) on a mismatch."""

import json
import time

from kubernetes import client, config, dynamic, watch
from kubernetes.client.rest import ApiException
from kubernetes.dynamic.exceptions import ResourceNotFoundError

config.load_kube_config()
api = client.ApiClient()
core = client.CoreV1Api(api)
apps = client.AppsV1Api(api)
NS = "default"


def status_of(exc):
    body = json.loads(exc.body)
    assert body["kind"] == "Status" and body["status"] == "Failure", body
    return exc.status, body["reason"], body["message"]


# Pods: defaults and managedFields as the real server writes them.
pod = client.V1Pod(
    metadata=client.V1ObjectMeta(name="py-pod", labels={"app": "py"}),
    spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox:1.36")]),
)
created = core.create_namespaced_pod(NS, pod)
assert created.metadata.uid and created.metadata.resource_version
assert created.status.phase == "Pending", created.status
c = created.spec.containers[0]
assert c.termination_message_path == "/dev/termination-log"
assert c.termination_message_policy == "File"
assert c.image_pull_policy == "IfNotPresent"
assert created.spec.restart_policy == "Always"
assert created.spec.dns_policy == "ClusterFirst"
assert created.spec.scheduler_name == "default-scheduler"
assert created.spec.termination_grace_period_seconds == 30
mf = created.metadata.managed_fields
assert [(e.manager, e.operation) for e in mf] == [("OpenAPI-Generator", "Update")], mf
assert mf[0].fields_v1["f:metadata"] == {"f:labels": {".": {}, "f:app": {}}}, mf[0].fields_v1
assert mf[0].fields_v1["f:spec"]["f:containers"]['k:{"name":"c"}']["."] == {}
read = core.read_namespaced_pod("py-pod", NS)
assert read.metadata.uid == created.metadata.uid
try:
    core.read_namespaced_pod("nope", NS)
    raise AssertionError("a missing pod was found")
except ApiException as e:
    assert status_of(e) == (404, "NotFound", 'pods "nope" not found'), e.body

# Deployments: defaults, generation and the empty status of a fresh object.
dep = client.V1Deployment(
    metadata=client.V1ObjectMeta(name="py-dep"),
    spec=client.V1DeploymentSpec(
        replicas=2,
        selector=client.V1LabelSelector(match_labels={"app": "py"}),
        template=client.V1PodTemplateSpec(
            metadata=client.V1ObjectMeta(labels={"app": "py"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="web", image="nginx:1.27")]),
        ),
    ),
)
raw = json.loads(apps.create_namespaced_deployment(NS, dep, _preload_content=False).data)
assert raw["status"] == {}, raw.get("status")
assert raw["metadata"]["generation"] == 1
spec = raw["spec"]
assert spec["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}, spec
assert spec["revisionHistoryLimit"] == 10 and spec["progressDeadlineSeconds"] == 600
assert spec["template"]["metadata"] == {"labels": {"app": "py"}}, spec["template"]["metadata"]
assert spec["template"]["spec"]["containers"][0]["resources"] == {}
got = apps.read_namespaced_deployment("py-dep", NS)
assert got.spec.replicas == 2 and got.metadata.generation == 1
scaled = apps.patch_namespaced_deployment_scale("py-dep", NS, {"spec": {"replicas": 3}})
assert scaled.spec.replicas == 3
assert apps.read_namespaced_deployment("py-dep", NS).metadata.generation == 2

# CRDs and custom objects.
ext = client.ApiextensionsV1Api(api)
ext.create_custom_resource_definition({
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
    "spec": {
        "group": "example.com",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
        "scope": "Namespaced",
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {"size": {"type": "integer"}}}}}},
        }],
    },
})
deadline = time.time() + 10
while True:
    conds = ext.read_custom_resource_definition("widgets.example.com").status.conditions or []
    if any(c.type == "Established" and c.status == "True" for c in conds):
        break
    assert time.time() < deadline, conds
    time.sleep(0.1)
co = client.CustomObjectsApi(api)
w = co.create_namespaced_custom_object("example.com", "v1", NS, "widgets", {
    "apiVersion": "example.com/v1", "kind": "Widget",
    "metadata": {"name": "w1"}, "spec": {"size": 3, "unknown": "pruned"},
})
assert w["metadata"]["generation"] == 1
assert w["spec"] == {"size": 3}, w["spec"]
assert w["metadata"]["managedFields"][0]["fieldsV1"] == {"f:spec": {".": {}, "f:size": {}}}, w["metadata"]["managedFields"]
lst = co.list_namespaced_custom_object("example.com", "v1", NS, "widgets")
assert lst["kind"] == "WidgetList" and [i["metadata"]["name"] for i in lst["items"]] == ["w1"]
try:
    co.create_namespaced_custom_object("example.com", "v1", NS, "widgets", {
        "apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "bad"}, "spec": {"size": "big"}})
    raise AssertionError("a wrongly typed field was accepted")
except ApiException as e:
    code, reason, message = status_of(e)
    assert (code, reason) == (422, "Invalid"), e.body
    assert 'spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"' in message, message

# The dynamic client: discovery of the default API set, CRUD, custom resources.
dyn = dynamic.DynamicClient(api)
cms = dyn.resources.get(api_version="v1", kind="ConfigMap")
cms.create(body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-cm"}, "data": {"k": "v"}}, namespace=NS)
assert cms.get(name="py-cm", namespace=NS).data.k == "v"
widgets = dyn.resources.get(api_version="example.com/v1", kind="Widget")
assert [i.metadata.name for i in widgets.get(namespace=NS).items] == ["w1"]
try:
    dyn.resources.get(api_version="storagemigration.k8s.io/v1beta1", kind="StorageVersionMigration")
    raise AssertionError("a beta group/version is served by default")
except ResourceNotFoundError:
    pass

# Watch: events after a resourceVersion.
rv = core.list_namespaced_config_map(NS).metadata.resource_version
core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="py-watched")))
seen = []
for event in watch.Watch().stream(core.list_namespaced_config_map, NS, resource_version=rv, timeout_seconds=5):
    seen.append((event["type"], event["object"].metadata.name))
    if event["object"].metadata.name == "py-watched":
        break
assert ("ADDED", "py-watched") in seen, seen

# Server-side apply through the dynamic client: Apply entries, conflicts, force.
applied = cms.server_side_apply(
    body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-ssa"}, "data": {"a": "1"}},
    name="py-ssa", namespace=NS, field_manager="py")
entries = applied.to_dict()["metadata"]["managedFields"]
assert [(e["manager"], e["operation"]) for e in entries] == [("py", "Apply")], entries
assert entries[0]["fieldsV1"] == {"f:data": {"f:a": {}}}, entries[0]["fieldsV1"]
try:
    cms.server_side_apply(
        body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-ssa"}, "data": {"a": "2"}},
        name="py-ssa", namespace=NS, field_manager="other")
    raise AssertionError("a conflicting apply was accepted")
except dynamic.exceptions.ConflictError as e:
    body = json.loads(e.body)
    assert body["message"] == 'Apply failed with 1 conflict: conflict with "py": .data.a', body
    assert body["details"]["causes"] == [{"reason": "FieldManagerConflict", "message": 'conflict with "py"', "field": ".data.a"}], body
forced = cms.server_side_apply(
    body={"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "py-ssa"}, "data": {"a": "2"}},
    name="py-ssa", namespace=NS, field_manager="other", force_conflicts=True)
assert forced.data.a == "2"
entries = forced.to_dict()["metadata"]["managedFields"]
assert [e["manager"] for e in entries] == ["other"], entries
print("OK")
