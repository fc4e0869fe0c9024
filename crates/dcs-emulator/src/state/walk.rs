//! How a resource's state moves with time: a walk through the documented pending states,
//! spread evenly over the operation delay, ending in a success or failure state. Walks are
//! read at a given instant (the emulator's clock); nothing sleeps and nothing runs in the
//! background.

use std::time::{Duration, SystemTime};

/// A state that goes through `steps`, each for an equal share of `span` from `start`, and is
/// `end` from `start + span` on. With no steps, or a zero span, it is `end` at once.
#[derive(Debug, Clone)]
pub(crate) struct Walk {
    start: SystemTime,
    span: Duration,
    steps: &'static [&'static str],
    /// A state held for the whole span instead of `steps` (a deletion keeps the status the
    /// instance had).
    held: Option<String>,
    end: String,
}

impl Walk {
    pub(crate) fn new(
        start: SystemTime,
        span: Duration,
        steps: &'static [&'static str],
        end: impl Into<String>,
    ) -> Self {
        Self {
            start,
            span,
            steps,
            held: None,
            end: end.into(),
        }
    }

    /// `state` for the whole span, then `end`.
    pub(crate) fn hold(
        start: SystemTime,
        span: Duration,
        state: impl Into<String>,
        end: impl Into<String>,
    ) -> Self {
        Self {
            start,
            span,
            steps: &[],
            held: Some(state.into()),
            end: end.into(),
        }
    }

    /// A state that is already `state` (a seeded resource, a synchronous change).
    pub(crate) fn fixed(at: SystemTime, state: impl Into<String>) -> Self {
        Self::new(at, Duration::ZERO, &[], state)
    }

    pub(crate) fn started(&self) -> SystemTime {
        self.start
    }

    /// When the walk reaches its end state.
    pub(crate) fn done_at(&self) -> SystemTime {
        self.start + self.span
    }

    pub(crate) fn done(&self, now: SystemTime) -> bool {
        now >= self.done_at() || (self.steps.is_empty() && self.held.is_none())
    }

    /// The state it will end in.
    pub(crate) fn end(&self) -> &str {
        &self.end
    }

    /// The state at `now`.
    pub(crate) fn at(&self, now: SystemTime) -> &str {
        if self.done(now) {
            return &self.end;
        }
        if let Some(h) = &self.held {
            return h;
        }
        let elapsed = now.duration_since(self.start).unwrap_or_default();
        let n = self.steps.len() as u128;
        let i = (elapsed.as_nanos() * n / self.span.as_nanos().max(1)).min(n - 1);
        self.steps[i as usize]
    }

    /// Percent done at `now` (100 once done).
    pub(crate) fn progress(&self, now: SystemTime) -> u32 {
        if self.done(now) {
            return 100;
        }
        let elapsed = now.duration_since(self.start).unwrap_or_default();
        (elapsed.as_nanos() * 100 / self.span.as_nanos().max(1)).min(99) as u32
    }
}

/// The kinds of asynchronous work whose next run can be made to fail (the control API's
/// `fail-next`, [`crate::Emulator::fail_next`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum WorkKind {
    /// `CreateInstance`: the instance ends `CREATEFAILED`.
    Create,
    /// `ResizeInstance`, `CreateResizeOrder`: the instance ends `ERROR`, its `EXTEND` task
    /// `FAILED`, the capacity unchanged.
    Resize,
    /// `RestartOrFlushInstances`: the instance ends `ERROR`.
    Restart,
    /// `CopyInstance`: the backup ends `failed`.
    Backup,
    /// `RestoreInstance`: the restore ends `failed` (the instance runs again).
    Restore,
    /// Any operation that answers a `job_id`: the job ends `FAIL` with a `fail_reason`.
    Job,
    /// `CreateAclAccount`: the account ends `CREATEFAILED`.
    Account,
    /// Big key, hot key, expired key and offline key analyses: the record ends `failed`.
    Analysis,
    /// Migration tasks (created, configured or restarted): the task ends `FAILED`.
    Migration,
    /// `UpdateConfigurations`, `UpdateInstanceConfig`: `config_status` ends `FAILURE`.
    Config,
    /// Background tasks (`AddWhitelist`, `DeleteAcl`, `BindEip`, a minor version upgrade,
    /// ...): the task ends `FAILED`.
    Task,
}

impl WorkKind {
    /// Every kind, in the order of [`WorkKind::as_str`]'s names.
    pub const ALL: &'static [WorkKind] = &[
        WorkKind::Create,
        WorkKind::Resize,
        WorkKind::Restart,
        WorkKind::Backup,
        WorkKind::Restore,
        WorkKind::Job,
        WorkKind::Account,
        WorkKind::Analysis,
        WorkKind::Migration,
        WorkKind::Config,
        WorkKind::Task,
    ];

    /// The name the control API uses (`create`, `resize`, `backup`, `job`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            WorkKind::Create => "create",
            WorkKind::Resize => "resize",
            WorkKind::Restart => "restart",
            WorkKind::Backup => "backup",
            WorkKind::Restore => "restore",
            WorkKind::Job => "job",
            WorkKind::Account => "account",
            WorkKind::Analysis => "analysis",
            WorkKind::Migration => "migration",
            WorkKind::Config => "config",
            WorkKind::Task => "task",
        }
    }

    /// The kind of that name.
    pub fn from_name(name: &str) -> Option<WorkKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn a_walk_spreads_its_steps_over_the_span_then_ends() {
        let t0 = UNIX_EPOCH + Duration::from_secs(1000);
        let w = Walk::new(
            t0,
            Duration::from_secs(30),
            &["waiting", "backuping"],
            "succeed",
        );
        assert_eq!(w.at(t0), "waiting");
        assert_eq!(w.at(t0 + Duration::from_secs(14)), "waiting");
        assert_eq!(w.at(t0 + Duration::from_secs(15)), "backuping");
        assert_eq!(w.at(t0 + Duration::from_millis(29_999)), "backuping");
        assert_eq!(w.at(t0 + Duration::from_secs(30)), "succeed");
        assert!(!w.done(t0 + Duration::from_secs(29)));
        assert_eq!(w.progress(t0 + Duration::from_secs(15)), 50);
        assert_eq!(w.progress(t0 + Duration::from_secs(31)), 100);
        // A time before the start reads as the first step.
        assert_eq!(w.at(t0 - Duration::from_secs(5)), "waiting");
    }

    #[test]
    fn a_zero_span_or_no_steps_is_the_end_at_once() {
        let t0 = UNIX_EPOCH;
        assert_eq!(
            Walk::new(t0, Duration::ZERO, &["INIT"], "SUCCESS").at(t0),
            "SUCCESS"
        );
        assert_eq!(Walk::fixed(t0, "FROZEN").at(t0), "FROZEN");
        let held = Walk::hold(t0, Duration::from_secs(10), "ERROR", "gone");
        assert_eq!(held.at(t0 + Duration::from_secs(9)), "ERROR");
        assert_eq!(held.at(t0 + Duration::from_secs(10)), "gone");
    }

    #[test]
    fn kinds_round_trip_their_names() {
        for k in WorkKind::ALL {
            assert_eq!(WorkKind::from_name(k.as_str()), Some(*k));
        }
        assert_eq!(WorkKind::from_name("Backup"), None);
    }
}
