//! Child processes that cannot outlive the process that started them.
//!
//! A PDF worker killed with its parent must not go on parsing under init at
//! hundreds of MiB, nor may the renderer and recogniser a worker starts for
//! OCR. Two mechanisms, since neither covers every case alone: Linux's
//! parent-death signal (`PR_SET_PDEATHSIG`) kills a child when its parent dies
//! however it dies, even by SIGKILL; and each worker leads its own process
//! group, which the parent kills whole at a timeout or on an interrupt, so
//! the worker's own children go too.

use std::collections::BTreeSet;
use std::io;
use std::process::{Child, Command};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Makes the process `command` starts receive SIGKILL when the thread that
/// starts it ends (on Linux; elsewhere a no-op), and refuses to start it when
/// this process is already gone by the time the child could ask for that.
pub(crate) fn die_with_parent(command: &mut Command) -> &mut Command {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        let parent = std::process::id();
        // SAFETY: the closure runs in the child between fork and exec, and
        // only calls async-signal-safe functions (prctl, getppid) and builds
        // errors that do not allocate.
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent died between fork and prctl: no signal will
                // come, so do not start at all.
                if libc::getppid() as u32 != parent {
                    return Err(io::ErrorKind::NotFound.into());
                }
                Ok(())
            });
        }
    }
    command
}

/// A child process leading its own process group, registered so that an
/// interrupt handler can kill it ([`kill_all_groups`]) before exiting.
pub(crate) struct Group {
    pub(crate) child: Child,
}

impl Group {
    /// Starts `command` as the leader of a new process group, tied to this
    /// process by [`die_with_parent`].
    pub(crate) fn spawn(command: &mut Command) -> io::Result<Group> {
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(command, 0);
        let child = die_with_parent(command).spawn()?;
        groups().insert(child.id());
        Ok(Group { child })
    }

    /// Kills the leader and everything it started, then reaps the leader.
    pub(crate) fn kill(&mut self) {
        kill_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        groups().remove(&self.child.id());
    }
}

/// Kills every process group started by [`Group::spawn`] that is still
/// registered, and returns how many: what an interrupt handler calls before
/// the process exits.
pub fn kill_all_groups() -> usize {
    let groups = groups();
    groups.iter().for_each(|&leader| kill_group(leader));
    groups.len()
}

fn groups() -> MutexGuard<'static, BTreeSet<u32>> {
    static GROUPS: Mutex<BTreeSet<u32>> = Mutex::new(BTreeSet::new());
    GROUPS.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(unix)]
fn kill_group(leader: u32) {
    if let Ok(leader) = libc::pid_t::try_from(leader) {
        // SAFETY: kill has no memory-safety preconditions; a group already
        // gone is ESRCH, which is fine.
        unsafe { libc::kill(-leader, libc::SIGKILL) };
    }
}

#[cfg(not(unix))]
fn kill_group(_leader: u32) {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn alive(pid: u32) -> bool {
        std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .is_ok_and(|stat| stat.rsplit(')').next().is_some_and(|rest| !rest.starts_with(" Z")))
    }

    #[test]
    fn killing_a_group_kills_what_its_leader_started() {
        let mut command = Command::new("sh");
        command.args(["-c", "sleep 60 & echo $!; wait"]).stdout(std::process::Stdio::piped());
        let mut group = Group::spawn(&mut command).unwrap();
        let mut line = String::new();
        io::BufRead::read_line(
            &mut io::BufReader::new(group.child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let sleeper: u32 = line.trim().parse().unwrap();
        assert!(groups().contains(&group.child.id()));
        assert!(alive(sleeper));
        group.kill();
        let started = Instant::now();
        while alive(sleeper) && started.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(!alive(sleeper), "the leader's child outlived the group kill");
        let leader = group.child.id();
        drop(group);
        assert!(!groups().contains(&leader));
    }
}
