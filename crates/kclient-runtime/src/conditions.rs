//! Status conditions (apimachinery's `api/meta/conditions.go`: `SetStatusCondition`,
//! `RemoveStatusCondition`, `FindStatusCondition`, `IsStatusConditionTrue`, …) over a
//! `status.conditions` list of [`Condition`]s.

use kclient_apimachinery::meta::{Condition, Time};

/// Sets `new` in `conditions` (by type): adds it, or updates the existing one's status,
/// reason, message and observedGeneration. `lastTransitionTime` changes only when the status
/// does (set to now if `new` has none). Returns whether anything changed, so that a reconcile
/// can skip a status write.
pub fn set_status_condition(conditions: &mut Vec<Condition>, new: Condition) -> bool {
    let Some(existing) = conditions.iter_mut().find(|c| c.type_ == new.type_) else {
        let mut new = new;
        if new.last_transition_time.is_none() {
            new.last_transition_time = Some(Time::now());
        }
        conditions.push(new);
        return true;
    };
    let mut changed = false;
    if existing.status != new.status {
        existing.status = new.status;
        existing.last_transition_time = Some(new.last_transition_time.unwrap_or_else(Time::now));
        changed = true;
    }
    if existing.reason != new.reason {
        existing.reason = new.reason;
        changed = true;
    }
    if existing.message != new.message {
        existing.message = new.message;
        changed = true;
    }
    if existing.observed_generation != new.observed_generation {
        existing.observed_generation = new.observed_generation;
        changed = true;
    }
    changed
}

/// Removes the condition of `type_`; returns whether there was one.
pub fn remove_status_condition(conditions: &mut Vec<Condition>, type_: &str) -> bool {
    let before = conditions.len();
    conditions.retain(|c| c.type_ != type_);
    conditions.len() != before
}

/// The condition of `type_`, if present.
pub fn find_status_condition<'a>(
    conditions: &'a [Condition],
    type_: &str,
) -> Option<&'a Condition> {
    conditions.iter().find(|c| c.type_ == type_)
}

/// Whether the condition of `type_` is present with status `True`.
pub fn is_status_condition_true(conditions: &[Condition], type_: &str) -> bool {
    is_status_condition_present_and_equal(conditions, type_, "True")
}

/// Whether the condition of `type_` is present with status `False`.
pub fn is_status_condition_false(conditions: &[Condition], type_: &str) -> bool {
    is_status_condition_present_and_equal(conditions, type_, "False")
}

/// Whether the condition of `type_` is present with `status`.
pub fn is_status_condition_present_and_equal(
    conditions: &[Condition],
    type_: &str,
    status: &str,
) -> bool {
    find_status_condition(conditions, type_).is_some_and(|c| c.status == status)
}

/// A condition with the given type, status, reason and message (transition time: now, when
/// set).
pub fn condition(type_: &str, status: bool, reason: &str, message: &str) -> Condition {
    Condition {
        type_: type_.to_string(),
        status: if status { "True" } else { "False" }.to_string(),
        observed_generation: None,
        last_transition_time: None,
        reason: reason.to_string(),
        message: message.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn transition_time_moves_only_with_the_status() {
        let mut conds = Vec::new();
        assert!(set_status_condition(
            &mut conds,
            condition("Ready", false, "Starting", "")
        ));
        let first = conds[0].last_transition_time;
        assert!(first.is_some());
        assert!(!set_status_condition(
            &mut conds,
            condition("Ready", false, "Starting", "")
        ));
        // A new reason alone keeps the transition time.
        let mut then = condition("Ready", false, "Waiting", "for pods");
        then.last_transition_time = Some(Time::parse("2020-01-01T00:00:00Z").unwrap());
        assert!(set_status_condition(&mut conds, then));
        assert_eq!(conds[0].last_transition_time, first);
        assert_eq!(conds[0].reason, "Waiting");
        // A new status takes the given time.
        let mut ready = condition("Ready", true, "Up", "");
        ready.last_transition_time = Some(Time::parse("2021-01-01T00:00:00Z").unwrap());
        assert!(set_status_condition(&mut conds, ready.clone()));
        assert_eq!(conds[0].last_transition_time, ready.last_transition_time);
        assert!(is_status_condition_true(&conds, "Ready"));
        assert!(!is_status_condition_false(&conds, "Ready"));
        assert!(!is_status_condition_true(&conds, "Degraded"));
        assert!(set_status_condition(
            &mut conds,
            condition("Degraded", false, "No", "")
        ));
        assert_eq!(conds.len(), 2);
        assert!(remove_status_condition(&mut conds, "Ready"));
        assert!(!remove_status_condition(&mut conds, "Ready"));
        assert!(find_status_condition(&conds, "Degraded").is_some());
    }
}
