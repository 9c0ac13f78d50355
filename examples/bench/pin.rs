//! CPU pinning of the two sides of a link (`--pin`): the sending side (PUSH,
//! REQ, raw writer/client) on one CPU, the receiving side (PULL, REP, raw
//! reader/server) on another, as libzmq's perf tools are run as two
//! processes on separate cores. A libzmq context's I/O thread is created by
//! the thread that opens the context's first socket and inherits its CPU
//! mask, so each side's I/O thread lands on its side's CPU.

/// The CPUs of the two sides, when pinning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sides {
    pub sender: usize,
    pub receiver: usize,
}

/// Restricts the calling thread (and the threads it creates from now on) to
/// `cpu`; `None` allows every CPU again.
pub fn pin(cpu: Option<usize>) {
    let cpus = crate::stats::cpu_count();
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        match cpu {
            Some(c) => libc::CPU_SET(c % cpus, &mut set),
            None => (0..cpus).for_each(|c| libc::CPU_SET(c, &mut set)),
        }
        // pid 0: the calling thread. Failure leaves the mask as it was,
        // which only makes the run unpinned.
        libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set);
    }
}

pub fn sender(sides: Option<Sides>) -> Option<usize> {
    sides.map(|s| s.sender)
}

pub fn receiver(sides: Option<Sides>) -> Option<usize> {
    sides.map(|s| s.receiver)
}
