//! How long the writer waits to gather a group commit.
//!
//! Each commit costs one `fsync`, whatever its size, so throughput under concurrent writers
//! follows how many writes share a commit. Committing as soon as one write is queued makes
//! groups alternate between small and large: the writes acknowledged together come back
//! together, the quickest starts a commit on its own, and the rest queue behind it. In the
//! twin benchmark (16 clients each creating one entity at a time) half the commits took fewer
//! than ten of the sixteen writes.
//!
//! So the writer estimates how many writers are at work: the writes its last commit took (in
//! a closed loop each comes back once acknowledged) and those that queued while that commit
//! ran. While fewer are gathered, it waits for more, for at most [`MAX_WAIT`]. A lone writer is
//! never held up: its last commit took its one write, nothing queued meanwhile, and its next
//! write is that one coming back.

use std::time::Duration;

use tokio::time::Instant;

/// Longest a commit waits for more writes (a fraction of an `fsync` on common disks; tokio's
/// timers round it up to their millisecond).
pub const MAX_WAIT: Duration = Duration::from_millis(1);

/// When the writer stops waiting for more writes to join a commit.
#[derive(Debug)]
pub struct Gathering {
    /// Writers believed to be at work.
    writers: usize,
    /// The end of the current wait.
    until: Instant,
}

impl Default for Gathering {
    fn default() -> Gathering {
        Gathering {
            writers: 1,
            until: Instant::now(),
        }
    }
}

impl Gathering {
    /// A commit starts gathering with its first write, at `now`.
    pub fn start(&mut self, now: Instant) {
        self.until = now + MAX_WAIT;
    }

    /// Until when to wait for the next write, at `now` with `taken` gathered: `None` to commit.
    pub fn wait_for_more(&self, taken: usize, now: Instant) -> Option<Instant> {
        (taken < self.writers && now < self.until).then_some(self.until)
    }

    /// The commit that took `taken` writes is done, and `queued` more arrived while it ran.
    pub fn committed(&mut self, taken: usize, queued: usize) {
        self.writers = taken + queued;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_the_writers_at_work_for_a_bounded_time() {
        let now = Instant::now();
        let mut gathering = Gathering::default();
        gathering.start(now);
        assert_eq!(
            gathering.wait_for_more(1, now),
            None,
            "a lone writer commits at once"
        );
        gathering.committed(1, 0);
        gathering.start(now);
        assert_eq!(gathering.wait_for_more(1, now), None, "and again");

        // Ten writes committed while six more queued: sixteen writers.
        gathering.committed(10, 6);
        gathering.start(now);
        let until = gathering
            .wait_for_more(7, now)
            .expect("nine writes are on their way");
        assert_eq!(until - now, MAX_WAIT);
        assert_eq!(
            gathering.wait_for_more(16, now),
            None,
            "all of them are there"
        );
        assert_eq!(
            gathering.wait_for_more(7, until),
            None,
            "waited long enough"
        );

        // Fewer writers now: the estimate follows.
        gathering.committed(7, 0);
        gathering.start(now);
        assert!(gathering.wait_for_more(6, now).is_some());
        assert_eq!(gathering.wait_for_more(7, now), None);
    }
}
