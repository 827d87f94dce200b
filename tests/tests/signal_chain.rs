//! The launcher's fault handler chains to the handler that was installed before it: a wasm
//! trap still comes back as `Error::Trap`, and every other SIGSEGV (a fault outside wasm
//! code, or a signal sent with `raise`/`pthread_kill`, even while wasm runs) gets what the
//! previous action says: the host's own handler, the default action, or nothing when
//! ignored.
//!
//! Each test installs a process-wide signal disposition, so it runs in a child process: the
//! test re-executes this test binary for itself alone, with [`CHILD_ENV`] naming it, and the
//! child runs the scenario ([`in_child`]) while the parent checks how it ended.

use std::fmt::Write as _;
use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use wasmpi_abi::trap::TrapKind;
use wasmpi_launcher::{Error, Instance, Val};

/// Environment variable naming the test a child process runs the scenario of.
const CHILD_ENV: &str = "WASMPI_SIGNAL_CHAIN_CHILD";
/// How long a child may run before it is killed and its test fails.
const CHILD_TIMEOUT: Duration = Duration::from_secs(60);
/// Exit code of the host's three-argument handler.
const SIGINFO_HANDLER_EXIT: i32 = 42;
/// Exit code of the host's one-argument handler.
const PLAIN_HANDLER_EXIT: i32 = 43;

/// `store` writes through any address (out of bounds of the one page traps); `spin` sets
/// the word at 0 to 1, then loops forever.
const MODULE: &str = r#"
(module
  (memory (export "memory") 1 1)
  (func (export "store") (param i32) (i32.store (local.get 0) (i32.const 1)))
  (func (export "spin")
    (i32.store (i32.const 0) (i32.const 1))
    (loop $forever (br $forever))))
"#;

// ---------------------------------------------------------------------------------------
// The parent's side

/// How a child ended and what it wrote to stderr.
struct Child {
    status: ExitStatus,
    stderr: String,
}

impl Child {
    fn describe(&self) -> String {
        format!("status: {:?}\n--- stderr ---\n{}", self.status, self.stderr)
    }

    /// Asserts that the child was killed by `signal`.
    fn assert_killed_by(&self, signal: libc::c_int) {
        assert_eq!(
            self.status.signal(),
            Some(signal),
            "the child was not killed by signal {signal}\n{}",
            self.describe()
        );
    }

    /// Asserts that the child exited with `code`.
    fn assert_exit(&self, code: i32) {
        assert_eq!(
            self.status.code(),
            Some(code),
            "the child did not exit with {code}\n{}",
            self.describe()
        );
    }

    /// Asserts that the child wrote `line` to stderr exactly `times` times.
    fn assert_line(&self, line: &str, times: usize) {
        let found = self.stderr.lines().filter(|l| *l == line).count();
        assert_eq!(
            found,
            times,
            "`{line}` written {found} times, expected {times}\n{}",
            self.describe()
        );
    }
}

/// Runs the scenario of test `name` in a child process (this test binary, running that
/// test alone with [`CHILD_ENV`] set), killing it after [`CHILD_TIMEOUT`].
fn run_child(name: &str) -> Child {
    let exe = std::env::current_exe().expect("the test binary's path");
    // The test's full name in this binary: `signal_chain::NAME`.
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    let full_name = format!("{module}::{name}");
    let mut child = Command::new(exe)
        .args([
            full_name.as_str(),
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, name)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the child starts");
    let mut pipe = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waiting for the child") {
            break status;
        }
        if start.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "{name}: the child still ran after {}s and was killed\n--- stderr ---\n{}",
                CHILD_TIMEOUT.as_secs(),
                reader.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Child {
        status,
        stderr: reader.join().expect("stderr reader"),
    }
}

// ---------------------------------------------------------------------------------------
// The child's side

/// In the child process started for test `name`, runs `scenario`, then exits with status 0
/// (after writing `scenario returned`); in the test process itself, does nothing.
fn in_child(name: &str, scenario: impl FnOnce()) {
    if std::env::var(CHILD_ENV).as_deref() != Ok(name) {
        return;
    }
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: setrlimit with a valid struct; the child must not leave core files behind.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
    scenario();
    say("scenario returned");
    std::process::exit(0);
}

/// Writes `line` and a newline to stderr with one `write`, safe in a signal handler.
fn say(line: &str) {
    let mut buffer = Line::default();
    let _ = write!(buffer, "{line}");
    buffer.write_to_stderr();
}

/// A line formatted on the stack, so signal handlers can write it without allocating.
struct Line {
    bytes: [u8; 160],
    len: usize,
}

impl Default for Line {
    fn default() -> Line {
        Line {
            bytes: [0; 160],
            len: 0,
        }
    }
}

impl std::fmt::Write for Line {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end >= self.bytes.len() {
            return Err(std::fmt::Error);
        }
        self.bytes[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

impl Line {
    fn write_to_stderr(mut self) {
        self.bytes[self.len] = b'\n';
        // SAFETY: writing initialized bytes of a live buffer to fd 2.
        unsafe { libc::write(2, self.bytes.as_ptr().cast(), self.len + 1) };
    }
}

/// Whether `signal` is blocked on this thread.
fn blocked(signal: libc::c_int) -> bool {
    // SAFETY: querying the mask into a zeroed set.
    unsafe {
        let mut mask: libc::sigset_t = std::mem::zeroed();
        libc::pthread_sigmask(libc::SIG_BLOCK, std::ptr::null(), &mut mask);
        libc::sigismember(&mask, signal) == 1
    }
}

/// The host's three-argument handler: reports the signal, its code and the signals blocked
/// while it runs, then exits with [`SIGINFO_HANDLER_EXIT`].
extern "C" fn siginfo_handler(
    signal: libc::c_int,
    info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    // SAFETY: the siginfo of an SA_SIGINFO handler.
    let code = unsafe { (*info).si_code };
    let mut line = Line::default();
    let _ = write!(
        line,
        "host handler: signal {signal}, {}, usr1 blocked {}, signal blocked {}",
        if code > 0 { "fault" } else { "sent" },
        blocked(libc::SIGUSR1),
        blocked(signal)
    );
    line.write_to_stderr();
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(SIGINFO_HANDLER_EXIT) };
}

/// The host's one-argument handler: reports the signal, then exits with
/// [`PLAIN_HANDLER_EXIT`].
extern "C" fn plain_handler(signal: libc::c_int) {
    let mut line = Line::default();
    let _ = write!(line, "plain handler: signal {signal}");
    line.write_to_stderr();
    // SAFETY: _exit is async-signal-safe.
    unsafe { libc::_exit(PLAIN_HANDLER_EXIT) };
}

/// A handler that reports the signal and returns.
extern "C" fn returning_handler(
    signal: libc::c_int,
    _info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    let mut line = Line::default();
    let _ = write!(line, "returning handler: signal {signal}");
    line.write_to_stderr();
}

/// A handler that reports the signal, restores the default action and returns, like the
/// handler Rust's std installs in every program for stack overflows.
extern "C" fn resetting_handler(
    signal: libc::c_int,
    _info: *mut libc::siginfo_t,
    _context: *mut libc::c_void,
) {
    let mut line = Line::default();
    let _ = write!(line, "resetting handler: signal {signal}");
    line.write_to_stderr();
    // SAFETY: restoring the default action with signal() is async-signal-safe here.
    unsafe { libc::signal(signal, libc::SIG_DFL) };
}

/// Installs `handler` (an `SA_SIGINFO` handler, or SIG_DFL/SIG_IGN) for SIGSEGV with
/// `flags` and SIGUSR1 in its mask, as the host's action before the launcher's.
fn install_host_action(handler: usize, flags: libc::c_int) {
    // SAFETY: installing a handler with a zeroed, then filled in, sigaction.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler;
        action.sa_flags = flags;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaddset(&mut action.sa_mask, libc::SIGUSR1);
        assert_eq!(
            libc::sigaction(libc::SIGSEGV, &action, std::ptr::null_mut()),
            0
        );
    }
}

/// Compiles [`MODULE`] for this machine and instantiates it (installing the launcher's
/// handlers).
fn instance() -> Instance {
    crate::common::in_process::instance(MODULE)
}

/// Asserts that an out-of-bounds store in wasm comes back as a trap, and says so.
fn expect_trap(instance: &mut Instance) {
    match instance.call("store", &[Val::I32(65536)]) {
        Err(Error::Trap(trap)) => assert_eq!(trap.kind, TrapKind::MemoryOutOfBounds),
        other => panic!("an out-of-bounds store returned {other:?}"),
    }
    say("wasm trap");
}

/// Writes to a page that allows no access, from host code.
fn fault_outside_wasm() {
    // SAFETY: mapping a fresh page with no access, then writing to it: the write faults
    // (that is the point); once a handler returns, it faults again until one ends the process.
    unsafe {
        let page = libc::mmap(
            std::ptr::null_mut(),
            4096,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert_ne!(page, libc::MAP_FAILED);
        std::ptr::write_volatile(page.cast::<u32>(), 1);
    }
}

/// Sends SIGSEGV to this thread with `raise` (`SI_TKILL`).
fn raise_sigsegv() {
    // SAFETY: raise is always safe to call; what the signal does is the test.
    unsafe { libc::raise(libc::SIGSEGV) };
}

// ---------------------------------------------------------------------------------------
// The tests

#[test]
fn a_fault_outside_wasm_reaches_the_hosts_siginfo_handler_with_its_mask() {
    const NAME: &str = "a_fault_outside_wasm_reaches_the_hosts_siginfo_handler_with_its_mask";
    in_child(NAME, || {
        install_host_action(siginfo_handler as *const () as usize, libc::SA_SIGINFO);
        let mut instance = instance();
        expect_trap(&mut instance);
        fault_outside_wasm();
    });
    let child = run_child(NAME);
    child.assert_exit(SIGINFO_HANDLER_EXIT);
    child.assert_line("wasm trap", 1);
    child.assert_line(
        "host handler: signal 11, fault, usr1 blocked true, signal blocked true",
        1,
    );
}

#[test]
fn a_sigsegv_sent_while_wasm_runs_reaches_the_hosts_handler_not_a_trap() {
    const NAME: &str = "a_sigsegv_sent_while_wasm_runs_reaches_the_hosts_handler_not_a_trap";
    in_child(NAME, || {
        install_host_action(siginfo_handler as *const () as usize, libc::SA_SIGINFO);
        let mut instance = instance();
        expect_trap(&mut instance);
        let flag = instance.memory().as_ptr() as usize;
        // SAFETY: pthread_self has no preconditions.
        let wasm_thread = unsafe { libc::pthread_self() };
        std::thread::spawn(move || {
            // SAFETY: the memory lives as long as the instance, which the other thread keeps
            // until the process ends; `spin` sets the word before it loops.
            while unsafe { std::ptr::read_volatile(flag as *const u32) } == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
            say("wasm is spinning");
            // SAFETY: the thread is alive, spinning in wasm.
            unsafe { libc::pthread_kill(wasm_thread, libc::SIGSEGV) };
        });
        let result = instance.call("spin", &[]);
        say(&format!("spin returned {result:?}"));
    });
    let child = run_child(NAME);
    child.assert_exit(SIGINFO_HANDLER_EXIT);
    child.assert_line("wasm is spinning", 1);
    child.assert_line(
        "host handler: signal 11, sent, usr1 blocked true, signal blocked true",
        1,
    );
}

#[test]
fn a_raised_sigsegv_reaches_the_hosts_one_argument_handler() {
    const NAME: &str = "a_raised_sigsegv_reaches_the_hosts_one_argument_handler";
    in_child(NAME, || {
        // SAFETY: installing a one-argument handler with signal().
        let previous = unsafe { libc::signal(libc::SIGSEGV, plain_handler as *const () as usize) };
        assert_ne!(previous, libc::SIG_ERR);
        let mut instance = instance();
        expect_trap(&mut instance);
        raise_sigsegv();
    });
    let child = run_child(NAME);
    child.assert_exit(PLAIN_HANDLER_EXIT);
    child.assert_line("wasm trap", 1);
    child.assert_line("plain handler: signal 11", 1);
}

#[test]
fn a_one_shot_handler_runs_once_then_the_fault_kills() {
    const NAME: &str = "a_one_shot_handler_runs_once_then_the_fault_kills";
    in_child(NAME, || {
        install_host_action(
            returning_handler as *const () as usize,
            libc::SA_SIGINFO | libc::SA_RESETHAND,
        );
        let mut instance = instance();
        expect_trap(&mut instance);
        fault_outside_wasm();
    });
    let child = run_child(NAME);
    child.assert_killed_by(libc::SIGSEGV);
    child.assert_line("wasm trap", 1);
    child.assert_line("returning handler: signal 11", 1);
}

#[test]
fn a_sent_sigsegv_kills_when_the_hosts_handler_restores_the_default_and_returns() {
    const NAME: &str =
        "a_sent_sigsegv_kills_when_the_hosts_handler_restores_the_default_and_returns";
    in_child(NAME, || {
        install_host_action(resetting_handler as *const () as usize, libc::SA_SIGINFO);
        let mut instance = instance();
        expect_trap(&mut instance);
        raise_sigsegv();
    });
    let child = run_child(NAME);
    child.assert_killed_by(libc::SIGSEGV);
    child.assert_line("wasm trap", 1);
    child.assert_line("resetting handler: signal 11", 1);
    child.assert_line("scenario returned", 0);
}

#[test]
fn with_the_default_action_a_fault_outside_wasm_kills_with_sigsegv() {
    const NAME: &str = "with_the_default_action_a_fault_outside_wasm_kills_with_sigsegv";
    in_child(NAME, || {
        install_host_action(libc::SIG_DFL, 0);
        let mut instance = instance();
        expect_trap(&mut instance);
        fault_outside_wasm();
    });
    let child = run_child(NAME);
    child.assert_killed_by(libc::SIGSEGV);
    child.assert_line("wasm trap", 1);
}

#[test]
fn with_the_default_action_a_raised_sigsegv_kills() {
    const NAME: &str = "with_the_default_action_a_raised_sigsegv_kills";
    in_child(NAME, || {
        install_host_action(libc::SIG_DFL, 0);
        let mut instance = instance();
        expect_trap(&mut instance);
        raise_sigsegv();
    });
    let child = run_child(NAME);
    child.assert_killed_by(libc::SIGSEGV);
    child.assert_line("wasm trap", 1);
    child.assert_line("scenario returned", 0);
}

#[test]
fn an_ignored_sigsegv_stays_ignored_when_sent_but_a_fault_still_kills() {
    const NAME: &str = "an_ignored_sigsegv_stays_ignored_when_sent_but_a_fault_still_kills";
    in_child(NAME, || {
        install_host_action(libc::SIG_IGN, 0);
        let mut instance = instance();
        expect_trap(&mut instance);
        raise_sigsegv();
        say("survived the raised signal");
        expect_trap(&mut instance);
        fault_outside_wasm();
    });
    let child = run_child(NAME);
    child.assert_killed_by(libc::SIGSEGV);
    child.assert_line("survived the raised signal", 1);
    child.assert_line("wasm trap", 2);
    child.assert_line("scenario returned", 0);
}
