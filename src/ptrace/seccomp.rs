//! The seccomp filter that makes the program stop on its socket calls, and on nothing else.
//!
//! Under plain `ptrace`, a tracer that wants to see system calls (`PTRACE_SYSCALL`) stops the
//! program at the entry and the exit of every one of them: every `read` of a file, every
//! `mmap`, every `futex` of a thread library goes through the tracer twice. A seccomp filter is
//! a small program in classic BPF that the kernel runs at the entry of every system call of
//! the process that installed it; returning `SECCOMP_RET_TRACE` stops the process for its
//! tracer (a `PTRACE_EVENT_SECCOMP` stop), returning `SECCOMP_RET_ALLOW` runs the call with no
//! stop at all. `strace --seccomp-bpf` works the same way.
//!
//! The filter sees the call's number and its arguments as values only: it cannot tell
//! whether a descriptor is a socket. So `close`, `dup`, `poll`... always stop, and socklab
//! decides at the stop, from what it knows of the program's sockets, whether to show the call
//! (and whether to stop again at its exit). `read` and `write` stop only on descriptors 3 and
//! up (see [`Stop::FdFrom3`]).
//!
//! The filter is installed by the program itself, in the child between `fork` and `execve`,
//! and is inherited by every thread and process it creates, and kept across `execve`. A
//! process may only install one when it cannot gain privileges any more
//! (`PR_SET_NO_NEW_PRIVS`: a set-user-ID program then runs without its privileges), unless it
//! has `CAP_SYS_ADMIN`.

use super::calls::{Arch, Sc, Stop};

// Classic BPF, from <linux/filter.h> and <linux/bpf_common.h>.
const BPF_LD: u16 = 0x00;
const BPF_JMP: u16 = 0x05;
const BPF_RET: u16 = 0x06;
const BPF_W: u16 = 0x00;
const BPF_ABS: u16 = 0x20;
const BPF_JEQ: u16 = 0x10;
const BPF_JGE: u16 = 0x30;
const BPF_K: u16 = 0x00;

// Offsets in `struct seccomp_data`, what the filter reads: `int nr; __u32 arch; __u64
// instruction_pointer; __u64 args[6];`. An argument's low 32 bits come first (little-endian,
// as both x86_64 and aarch64 are), and a descriptor is a 32-bit int.
const NR: u32 = 0;
const ARCH: u32 = 4;
const fn arg(i: u32) -> u32 {
    16 + 8 * i
}

/// One instruction, with jumps by label until [`assemble`] turns them into offsets.
#[derive(Clone, Copy)]
enum Op {
    /// Load the 32-bit word at this offset of `seccomp_data` into the accumulator.
    Load(u32),
    /// If the accumulator equals `k`, go to the label, else on to the next instruction.
    JumpIfEq(u32, Label),
    /// If the accumulator is `k` or more (unsigned), go to `yes`, else to `no`.
    JumpIfGe(u32, Label, Label),
    /// End the filter with this verdict.
    Ret(u32),
    /// A place to jump to.
    Here(Label),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Label {
    Nr,
    Allow,
    /// BPF only jumps forward: each check ends with its own verdict.
    AllowFd,
    Trace,
    CheckFd,
    CheckFcntl,
}

/// The filter for `arch`: stop (`SECCOMP_RET_TRACE`) on the calls of its table, as their
/// [`Stop`] says, and let every other call through.
pub fn filter(arch: &Arch) -> Vec<libc::sock_filter> {
    let mut ops = vec![
        // A call made with another architecture's numbers is not ours to decode: let it run.
        Op::Load(ARCH),
        Op::JumpIfEq(arch.audit, Label::Nr),
        Op::Ret(libc::SECCOMP_RET_ALLOW),
        Op::Here(Label::Nr),
        Op::Load(NR),
    ];
    for (nr, sc) in &arch.table {
        let target = match sc.stop() {
            Stop::Always => Label::Trace,
            Stop::FdFrom3 => Label::CheckFd,
            Stop::FcntlDup => Label::CheckFcntl,
        };
        ops.push(Op::JumpIfEq(*nr, target));
    }
    ops.extend([
        Op::Here(Label::Allow),
        Op::Ret(libc::SECCOMP_RET_ALLOW),
        // read and write: only on descriptor 3 and up.
        Op::Here(Label::CheckFd),
        Op::Load(arg(0)),
        Op::JumpIfGe(3, Label::Trace, Label::AllowFd),
        Op::Here(Label::AllowFd),
        Op::Ret(libc::SECCOMP_RET_ALLOW),
        // fcntl: only when it duplicates a descriptor.
        Op::Here(Label::CheckFcntl),
        Op::Load(arg(1)),
        Op::JumpIfEq(libc::F_DUPFD as u32, Label::Trace),
        Op::JumpIfEq(libc::F_DUPFD_CLOEXEC as u32, Label::Trace),
        Op::Ret(libc::SECCOMP_RET_ALLOW),
        Op::Here(Label::Trace),
        Op::Ret(libc::SECCOMP_RET_TRACE),
    ]);
    assemble(&ops)
}

/// Turns labels into the relative offsets BPF jumps by (instructions to skip).
fn assemble(ops: &[Op]) -> Vec<libc::sock_filter> {
    let mut at = Vec::new();
    let mut n = 0usize;
    for op in ops {
        match op {
            Op::Here(l) => at.push((*l, n)),
            _ => n += 1,
        }
    }
    let place = |l: Label| at.iter().find(|(x, _)| *x == l).map(|(_, i)| *i).unwrap();
    let mut out = Vec::with_capacity(n);
    for op in ops {
        let i = out.len();
        // Offsets count from the instruction after this one.
        let rel = |l: Label| {
            let off = place(l) - i - 1;
            u8::try_from(off).expect("a BPF jump is at most 255 instructions")
        };
        let ins = match *op {
            Op::Load(off) => stmt(BPF_LD | BPF_W | BPF_ABS, off),
            Op::JumpIfEq(k, l) => jump(BPF_JMP | BPF_JEQ | BPF_K, k, rel(l), 0),
            Op::JumpIfGe(k, yes, no) => jump(BPF_JMP | BPF_JGE | BPF_K, k, rel(yes), rel(no)),
            Op::Ret(v) => stmt(BPF_RET | BPF_K, v),
            Op::Here(_) => continue,
        };
        out.push(ins);
    }
    out
}

fn stmt(code: u16, k: u32) -> libc::sock_filter {
    libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> libc::sock_filter {
    libc::sock_filter { code, jt, jf, k }
}

/// Installs `prog` in the calling process. Called in the child after `fork`: only
/// async-signal-safe calls here (two `prctl`), and the error is the errno.
///
/// # Safety
/// `prog` must point at `len` valid instructions that outlive the call.
pub unsafe fn install(prog: *const libc::sock_filter, len: usize) -> Result<(), i32> {
    let fprog = libc::sock_fprog {
        len: len as u16,
        filter: prog as *mut libc::sock_filter,
    };
    // SAFETY: prctl with integer arguments, then with a pointer to a filter program the caller
    // vouches for; the kernel copies it.
    unsafe {
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(*libc::__errno_location());
        }
        if libc::prctl(
            libc::PR_SET_SECCOMP,
            libc::SECCOMP_MODE_FILTER,
            &fprog as *const libc::sock_fprog,
        ) != 0
        {
            return Err(*libc::__errno_location());
        }
    }
    Ok(())
}

/// The calls the filter stops on without looking at their arguments.
pub fn always(arch: &Arch) -> Vec<Sc> {
    arch.table
        .iter()
        .filter(|(_, sc)| sc.stop() == Stop::Always)
        .map(|(_, sc)| *sc)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ptrace::calls;

    /// Runs the filter as the kernel would, on one call.
    fn run(prog: &[libc::sock_filter], arch: u32, nr: u32, args: [u32; 6]) -> u32 {
        let word = |off: u32| match off {
            NR => nr,
            ARCH => arch,
            o => args[((o - 16) / 8) as usize],
        };
        let (mut pc, mut acc) = (0usize, 0u32);
        loop {
            let i = prog[pc];
            match i.code {
                c if c == BPF_LD | BPF_W | BPF_ABS => acc = word(i.k),
                c if c == BPF_RET | BPF_K => return i.k,
                c if c == BPF_JMP | BPF_JEQ | BPF_K => {
                    pc += if acc == i.k { i.jt } else { i.jf } as usize;
                }
                c if c == BPF_JMP | BPF_JGE | BPF_K => {
                    pc += if acc >= i.k { i.jt } else { i.jf } as usize;
                }
                c => panic!("unexpected BPF code {c:#x}"),
            }
            pc += 1;
        }
    }

    #[test]
    fn stops_on_socket_calls_only() {
        let arch = calls::x86_64();
        let prog = filter(&arch);
        let a = calls::AUDIT_ARCH_X86_64;
        let trace = libc::SECCOMP_RET_TRACE;
        let allow = libc::SECCOMP_RET_ALLOW;
        assert_eq!(run(&prog, a, 41, [2, 1, 0, 0, 0, 0]), trace, "socket");
        assert_eq!(run(&prog, a, 288, [3, 0, 0, 0, 0, 0]), trace, "accept4");
        assert_eq!(run(&prog, a, 59, [0; 6]), allow, "execve");
        assert_eq!(run(&prog, a, 9, [0; 6]), allow, "mmap");
        assert_eq!(run(&prog, a, 0, [0, 0, 0, 0, 0, 0]), allow, "read on stdin");
        assert_eq!(
            run(&prog, a, 1, [1, 0, 0, 0, 0, 0]),
            allow,
            "write on stdout"
        );
        assert_eq!(run(&prog, a, 0, [4, 0, 0, 0, 0, 0]), trace, "read on fd 4");
        assert_eq!(run(&prog, a, 3, [5, 0, 0, 0, 0, 0]), trace, "close(5)");
        assert_eq!(run(&prog, a, 3, [1, 0, 0, 0, 0, 0]), trace, "close(1)");
        let fcntl = 72;
        assert_eq!(run(&prog, a, fcntl, [4, 3, 0, 0, 0, 0]), allow, "F_GETFL");
        let dupfd = libc::F_DUPFD_CLOEXEC as u32;
        assert_eq!(run(&prog, a, fcntl, [4, dupfd, 3, 0, 0, 0]), trace);
        assert_eq!(run(&prog, 0x4000_0003, 41, [0; 6]), allow, "i386 numbers");
    }

    #[test]
    fn aarch64_filter_assembles() {
        let arch = calls::aarch64();
        let prog = filter(&arch);
        let a = calls::AUDIT_ARCH_AARCH64;
        assert_eq!(run(&prog, a, 198, [0; 6]), libc::SECCOMP_RET_TRACE);
        assert_eq!(
            run(&prog, a, 221, [0; 6]),
            libc::SECCOMP_RET_ALLOW,
            "execve"
        );
        assert!(!always(&arch).contains(&Sc::Read));
    }
}
