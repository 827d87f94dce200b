//! Runs the directives of one `.wast` file through the real pipeline: every module is
//! compiled by `wasmpi_compiler::compile_module` for the native CPU, written as an artifact,
//! loaded with `Artifact::load` and instantiated with `Instance`; exports are called with
//! `Instance::call`, and traps come back as `Error::Trap`, ending one assertion only.
//!
//! Every directive that checks something counts once: `module` (must compile and
//! instantiate), `invoke` (must not trap) and each `assert_*`. A check that needs a feature
//! wasmpi rejects on purpose (a module the full wasmparser feature set validates but
//! wasmpi's does not, or an `externref` value) counts as unsupported, with its reason,
//! rather than passed or failed; so do the checks against such a module.

use super::spectest::{self, Spectest};
use super::suite::Group;
use super::values;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use wasmpi_abi::trap::TrapKind;
use wasmpi_compiler::target::Target;
use wasmpi_compiler::{compile_module, Options};
use wasmpi_launcher::wasi::WasiCtx;
use wasmpi_launcher::{Artifact, Error, Instance, Val};
use wast::core::WastArgCore;
use wast::token::Id;
use wast::{QuoteWat, WastDirective, WastExecute, WastRet};

/// What one file gave.
pub struct FileReport {
    /// File name.
    pub name: String,
    /// Its group.
    pub group: Group,
    /// Checks that passed.
    pub passed: usize,
    /// Checks that failed: `line: what`.
    pub failed: Vec<String>,
    /// Checks not run because they need a rejected feature: `line: why`.
    pub unsupported: Vec<String>,
}

/// The result of one check.
enum Check {
    Pass,
    Fail(String),
    Unsupported(String),
}

/// A module as the directives after it see it.
#[derive(Clone)]
enum ModuleState {
    Ready(usize),
    Unsupported(String),
    Broken(String),
}

/// Why a module did not compile.
enum CompileError {
    /// It uses a feature wasmpi rejects (valid with every feature wasmparser knows).
    Unsupported(String),
    /// It is invalid or malformed.
    Rejected(String),
}

/// The state of one file's run.
pub struct Runner<'a> {
    target: &'a Target,
    scratch: &'a Path,
    instances: Vec<Instance>,
    current: Option<ModuleState>,
    named: HashMap<String, ModuleState>,
    registered: HashMap<String, ModuleState>,
    artifacts: usize,
    spectest: Spectest,
    report: FileReport,
}

impl<'a> Runner<'a> {
    /// Runs `source` (file `name` of `group`), compiling for `target` and writing artifacts
    /// under `scratch`.
    pub fn run(
        target: &'a Target,
        scratch: &'a Path,
        name: &str,
        group: Group,
        source: &'a str,
    ) -> FileReport {
        let mut runner = Runner {
            target,
            scratch,
            instances: Vec::new(),
            current: None,
            named: HashMap::new(),
            registered: HashMap::new(),
            artifacts: 0,
            spectest: Spectest::new(),
            report: FileReport {
                name: name.to_string(),
                group,
                passed: 0,
                failed: Vec::new(),
                unsupported: Vec::new(),
            },
        };
        let mut lexer = wast::lexer::Lexer::new(source);
        lexer.allow_confusing_unicode(true);
        let parsed = wast::parser::ParseBuffer::new_with_lexer(lexer).and_then(|buffer| {
            let wast = wast::parser::parse::<wast::Wast>(&buffer)?;
            for directive in wast.directives {
                let line = directive.span().linecol_in(source).0 + 1;
                let check = runner.directive(directive);
                runner.record(line, check);
            }
            Ok(())
        });
        if let Err(e) = parsed {
            runner
                .report
                .failed
                .push(format!("the file does not parse: {e}"));
        }
        // Instances may hold references into each other: drop the importers first.
        while runner.instances.pop().is_some() {}
        runner.report
    }

    fn record(&mut self, line: usize, check: Option<Check>) {
        match check {
            None => {}
            Some(Check::Pass) => self.report.passed += 1,
            Some(Check::Fail(why)) => self.report.failed.push(format!("line {line}: {why}")),
            Some(Check::Unsupported(why)) => {
                self.report.unsupported.push(format!("line {line}: {why}"))
            }
        }
    }

    fn directive(&mut self, directive: WastDirective) -> Option<Check> {
        Some(match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let (state, check) = match module.encode() {
                    Err(e) => {
                        let why = format!("module does not encode: {e}");
                        (ModuleState::Broken(why.clone()), Check::Fail(why))
                    }
                    Ok(wasm) => match self.instantiate(&wasm) {
                        Ok(Ok(index)) => (ModuleState::Ready(index), Check::Pass),
                        Ok(Err(e)) => {
                            let why = format!("module does not instantiate: {e}");
                            (ModuleState::Broken(why.clone()), Check::Fail(why))
                        }
                        Err(CompileError::Unsupported(why)) => (
                            ModuleState::Unsupported(why.clone()),
                            Check::Unsupported(why),
                        ),
                        Err(CompileError::Rejected(why)) => {
                            let why = format!("valid module refused: {why}");
                            (ModuleState::Broken(why.clone()), Check::Fail(why))
                        }
                    },
                };
                if let Some(name) = name {
                    self.named.insert(name, state.clone());
                }
                self.current = Some(state);
                check
            }
            WastDirective::Register { name, module, .. } => {
                let state = match self.module(module) {
                    Ok(index) => ModuleState::Ready(index),
                    Err(Check::Unsupported(why)) => ModuleState::Unsupported(why),
                    Err(Check::Fail(why)) => ModuleState::Broken(why),
                    Err(Check::Pass) => ModuleState::Broken("no module".to_string()),
                };
                self.registered.insert(name.to_string(), state);
                return None;
            }
            WastDirective::Invoke(invoke) => match self.execute(&mut WastExecute::Invoke(invoke)) {
                Ok(Ok(_)) => Check::Pass,
                Ok(Err(e)) => Check::Fail(format!("invoke failed: {e}")),
                Err(check) => check,
            },
            WastDirective::AssertReturn {
                mut exec, results, ..
            } => self.assert_return(&mut exec, &results),
            WastDirective::AssertTrap {
                mut exec, message, ..
            } => self.assert_trap(&mut exec, message),
            WastDirective::AssertExhaustion { call, message, .. } => {
                self.assert_trap(&mut WastExecute::Invoke(call), message)
            }
            WastDirective::AssertInvalid {
                module, message, ..
            } => self.assert_refused(module, message, false),
            WastDirective::AssertMalformed {
                module, message, ..
            } => self.assert_refused(module, message, true),
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => match module.encode() {
                Err(e) => Check::Fail(format!("module does not encode: {e}")),
                Ok(wasm) => match self.instantiate(&wasm) {
                    Ok(Ok(_)) => Check::Fail(format!("linked, expected `{message}`")),
                    Ok(Err(Error::Link(_))) => Check::Pass,
                    Ok(Err(e)) => Check::Fail(format!("expected link error `{message}`, got {e}")),
                    Err(CompileError::Unsupported(why)) => Check::Unsupported(why),
                    Err(CompileError::Rejected(why)) => {
                        Check::Fail(format!("valid module refused: {why}"))
                    }
                },
            },
            other => Check::Fail(format!(
                "directive not handled by the harness: {:?}",
                std::mem::discriminant(&other)
            )),
        })
    }

    fn assert_return(&mut self, exec: &mut WastExecute, expected: &[WastRet]) -> Check {
        if let Err(values::Unsupported(why)) = expected.iter().try_for_each(values::check_supported)
        {
            return Check::Unsupported(why);
        }
        let what = describe(exec);
        match self.execute(exec) {
            Err(check) => check,
            Ok(Err(e)) => Check::Fail(format!("{what}: {e}")),
            Ok(Ok(actual)) => {
                let ok = actual.len() == expected.len()
                    && actual
                        .iter()
                        .zip(expected)
                        .all(|(a, e)| values::matches(a, e));
                if ok {
                    Check::Pass
                } else {
                    Check::Fail(format!(
                        "{what}: got [{}], expected [{}]",
                        actual
                            .iter()
                            .map(values::show)
                            .collect::<Vec<_>>()
                            .join(", "),
                        expected
                            .iter()
                            .map(values::show_expected)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }
        }
    }

    fn assert_trap(&mut self, exec: &mut WastExecute, message: &str) -> Check {
        let what = describe(exec);
        match self.execute(exec) {
            Err(check) => check,
            Ok(Ok(values)) => Check::Fail(format!(
                "{what}: returned [{}], expected trap `{message}`",
                values
                    .iter()
                    .map(values::show)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            Ok(Err(e)) if trap_matches(message, &e) => Check::Pass,
            Ok(Err(e)) => Check::Fail(format!("{what}: {e}, expected trap `{message}`")),
        }
    }

    /// `assert_invalid` and `assert_malformed`: the module must not compile. A text module
    /// that does not even parse counts as malformed.
    fn assert_refused(&mut self, mut module: QuoteWat, message: &str, malformed: bool) -> Check {
        let wasm = match module.encode() {
            Ok(wasm) => wasm,
            Err(_) if malformed => return Check::Pass,
            Err(e) => return Check::Fail(format!("module does not encode: {e}")),
        };
        match self.compile(&wasm) {
            Ok(_) => Check::Fail(format!("module compiled, expected `{message}`")),
            Err(_) => Check::Pass,
        }
    }

    /// The instance a directive refers to (by name, or the last module).
    fn module(&self, id: Option<Id>) -> Result<usize, Check> {
        let state = match id {
            Some(id) => self.named.get(id.name()),
            None => self.current.as_ref(),
        };
        match state {
            Some(ModuleState::Ready(index)) => Ok(*index),
            Some(ModuleState::Unsupported(why)) => Err(Check::Unsupported(why.clone())),
            Some(ModuleState::Broken(why)) => Err(Check::Fail(format!("module unusable: {why}"))),
            None => Err(Check::Fail("no such module".to_string())),
        }
    }

    /// Runs an invocation, a global read or a module instantiation.
    fn execute(&mut self, exec: &mut WastExecute) -> Result<Result<Vec<Val>, Error>, Check> {
        match exec {
            WastExecute::Invoke(invoke) => {
                let index = self.module(invoke.module)?;
                let args = invoke
                    .args
                    .iter()
                    .map(values::arg)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|values::Unsupported(why)| Check::Unsupported(why))?;
                Ok(self.instances[index].call(invoke.name, &args))
            }
            WastExecute::Get { module, global, .. } => {
                let index = self.module(*module)?;
                Ok(self.instances[index]
                    .global(global)
                    .map(|v| vec![v])
                    .ok_or_else(|| Error::NoSuchExport(global.to_string())))
            }
            WastExecute::Wat(wat) => {
                let wasm = wat
                    .encode()
                    .map_err(|e| Check::Fail(format!("module does not encode: {e}")))?;
                match self.instantiate(&wasm) {
                    Ok(result) => Ok(result.map(|_| Vec::new())),
                    Err(CompileError::Unsupported(why)) => Err(Check::Unsupported(why)),
                    Err(CompileError::Rejected(why)) => {
                        Err(Check::Fail(format!("valid module refused: {why}")))
                    }
                }
            }
        }
    }

    /// Compiles `wasm` and loads the artifact.
    fn compile(&mut self, wasm: &[u8]) -> Result<Arc<Artifact>, CompileError> {
        let options = Options {
            jobs: Some(1),
            progress: None,
        };
        let compiled = match compile_module(wasm, self.target, &options) {
            Ok(compiled) => compiled,
            Err(e) => {
                let why = format!("{e:#}");
                let mut everything =
                    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
                return Err(if everything.validate_all(wasm).is_ok() {
                    CompileError::Unsupported(why)
                } else {
                    CompileError::Rejected(why)
                });
            }
        };
        self.artifacts += 1;
        let path = artifact_path(self.scratch, self.artifacts);
        std::fs::write(&path, &compiled.bytes).expect("write artifact");
        let artifact = Artifact::load(&path);
        std::fs::remove_file(&path).expect("remove artifact");
        Ok(Arc::new(artifact.expect("a fresh artifact loads")))
    }

    /// Compiles and instantiates `wasm`, keeping the instance. Imports come from
    /// `spectest` and the registered instances.
    fn instantiate(&mut self, wasm: &[u8]) -> Result<Result<usize, Error>, CompileError> {
        let artifact = self.compile(wasm)?;
        let meta = artifact.metadata();
        let names = meta
            .imports
            .iter()
            .map(|i| (&i.module, &i.name))
            .chain(meta.global_imports.iter().map(|i| (&i.module, &i.name)))
            .chain(meta.table_imports.iter().map(|i| (&i.module, &i.name)))
            .chain(meta.memory_import.iter().map(|i| (&i.module, &i.name)));
        let mut externs = HashMap::new();
        for (module, name) in names {
            let found = match self.registered.get(module.as_str()) {
                _ if module == "spectest" => self.spectest.get(name),
                Some(ModuleState::Ready(index)) => self.instances[*index].export(name),
                Some(ModuleState::Unsupported(why)) => {
                    return Err(CompileError::Unsupported(format!(
                        "imports from `{module}`, which is unsupported: {why}"
                    )))
                }
                _ => None,
            };
            if let Some(found) = found {
                externs.insert((module.clone(), name.clone()), found);
            }
        }
        let resolve = |module: &str, name: &str| {
            externs
                .get(&(module.to_string(), name.to_string()))
                .cloned()
        };
        // SAFETY: every instance and the spectest objects live until the end of the file,
        // when the instances are dropped, importers first.
        let instance = unsafe {
            Instance::with_imports(
                artifact.clone(),
                &spectest::functions(),
                WasiCtx::default(),
                &resolve,
            )
        };
        Ok(instance.map(|instance| {
            self.instances.push(instance);
            self.instances.len() - 1
        }))
    }
}

fn artifact_path(scratch: &Path, n: usize) -> PathBuf {
    scratch.join(format!("module{n}.wasmpi"))
}

/// A directive's action for messages.
fn describe(exec: &WastExecute) -> String {
    match exec {
        WastExecute::Invoke(invoke) => format!(
            "{}({})",
            invoke.name,
            invoke
                .args
                .iter()
                .map(|a| match a {
                    wast::WastArg::Core(WastArgCore::I32(v)) => v.to_string(),
                    wast::WastArg::Core(WastArgCore::I64(v)) => v.to_string(),
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        WastExecute::Get { global, .. } => format!("get {global}"),
        WastExecute::Wat(_) => "module instantiation".to_string(),
    }
}

/// Whether an error is the trap the spec's message names.
fn trap_matches(message: &str, error: &Error) -> bool {
    let expected: &[TrapKind] = if message.starts_with("integer divide by zero") {
        &[TrapKind::IntegerDivisionByZero]
    } else if message.starts_with("integer overflow") {
        &[TrapKind::IntegerOverflow]
    } else if message.starts_with("invalid conversion to integer") {
        &[TrapKind::BadConversionToInteger]
    } else if message.starts_with("unreachable") {
        &[TrapKind::Unreachable]
    } else if message.starts_with("out of bounds memory access")
        || message.starts_with("memory access out of bounds")
    {
        &[TrapKind::MemoryOutOfBounds]
    } else if message.starts_with("undefined element")
        || message.starts_with("out of bounds table access")
    {
        &[TrapKind::TableOutOfBounds]
    } else if message.starts_with("uninitialized element") {
        &[TrapKind::IndirectCallToNull]
    } else if message.starts_with("indirect call type mismatch") {
        &[TrapKind::BadSignature]
    } else if message.starts_with("call stack exhausted") {
        &[TrapKind::StackOverflow]
    } else {
        &[]
    };
    match error {
        Error::Trap(trap) => expected.contains(&trap.kind),
        Error::Instantiate(why) => {
            (why.contains("data segment") && expected.contains(&TrapKind::MemoryOutOfBounds))
                || (why.contains("element segment")
                    && expected.contains(&TrapKind::TableOutOfBounds))
        }
        _ => false,
    }
}
