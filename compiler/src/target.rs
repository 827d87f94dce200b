//! The code generation target: architecture, CPU features and settings, as one Cranelift ISA.
//!
//! The features an artifact records are read back from the ISA that generated its code, so
//! the record cannot disagree with what the code may use.

use anyhow::{anyhow, bail, Context, Result};
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};

/// Splits `x86-64-v3+avx512f-fma` into the preset name and its `+`/`-` adjustments.
fn split_spec(spec: &str) -> (&str, Vec<String>) {
    // Preset names contain '-', so adjustments start at the first '+', or at a '-' followed
    // by a feature name (not a preset suffix such as `-v3`): match the longest preset prefix.
    let name_end = std::iter::once("native")
        .chain(cpu::PRESETS.iter().map(|p| p.name))
        .filter(|n| {
            spec.starts_with(n)
                && matches!(spec.as_bytes().get(n.len()), None | Some(b'+') | Some(b'-'))
        })
        .map(str::len)
        .max()
        .unwrap_or_else(|| spec.find('+').unwrap_or(spec.len()));
    let (name, rest) = spec.split_at(name_end);
    let mut adjustments = Vec::new();
    let mut current = String::new();
    for c in rest.chars() {
        if (c == '+' || c == '-') && !current.is_empty() {
            adjustments.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        adjustments.push(current);
    }
    (name, adjustments)
}
use wasmpi_abi::cpu;

/// How hard Cranelift optimizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OptLevel {
    /// No optimization: fastest compile.
    O0,
    /// Optimize for speed, without alias analysis.
    O1,
    /// Optimize for speed with every optimization Cranelift has (default).
    O2,
}

/// A configured code generation target.
pub struct Target {
    /// The Cranelift ISA.
    pub isa: OwnedTargetIsa,
    /// Architecture name as artifacts spell it.
    pub arch: String,
    /// Preset name (`native`).
    pub cpu_name: String,
    /// Feature names the code may use.
    pub features: Vec<String>,
    /// Settings that change the code, `name=value`.
    pub settings: Vec<String>,
}

/// The Cranelift triple for an architecture name.
fn triple(arch: &str) -> Result<&'static str> {
    match arch {
        "x86_64" => Ok("x86_64-unknown-linux-gnu"),
        "aarch64" => Ok("aarch64-unknown-linux-gnu"),
        other => bail!("unsupported architecture `{other}` (wasmpi targets x86_64 and aarch64)"),
    }
}

/// Normalizes a `--target` value (`aarch64-linux`, `aarch64-unknown-linux-gnu`, `x86_64`, ...)
/// to an architecture name.
pub fn arch_of_target(target: &str) -> Result<&'static str> {
    match target.split('-').next().unwrap_or_default() {
        "x86_64" | "amd64" => Ok("x86_64"),
        "aarch64" | "arm64" => Ok("aarch64"),
        _ => bail!("unsupported target `{target}`: use x86_64-linux or aarch64-linux"),
    }
}

/// Applies `+feature`/`-feature` adjustments to `features` (names of `arch`).
fn adjust(arch: &str, features: &mut Vec<String>, adjustments: &[String]) -> Result<()> {
    for adjustment in adjustments {
        let adjustment = adjustment.trim();
        let (add, feature) = match adjustment.strip_prefix('-') {
            Some(f) => (false, f),
            None => (true, adjustment.trim_start_matches('+')),
        };
        if feature.is_empty() {
            continue;
        }
        if !cpu::features_of(arch).iter().any(|k| k.name == feature) {
            let known: Vec<&str> = cpu::features_of(arch).iter().map(|k| k.name).collect();
            bail!(
                "unknown {arch} CPU feature `{feature}`; known: {}",
                known.join(", ")
            );
        }
        features.retain(|f| f != feature);
        if add {
            features.push(feature.to_string());
        }
    }
    Ok(())
}

impl Target {
    /// The CPU described by `spec`: `native`, or a preset name optionally followed by
    /// `+feature`/`-feature` adjustments (`x86-64-v3+avx512f-fma`), then adjusted by
    /// `extra` (the `--cpu-features` list). `arch`, if given, must match the CPU's.
    pub fn from_spec(
        spec: &str,
        arch: Option<&str>,
        extra: &[String],
        opt: OptLevel,
    ) -> Result<Target> {
        let (name, mut adjustments) = split_spec(spec);
        adjustments.extend(extra.iter().flat_map(|e| e.split(',')).map(str::to_string));
        let native_arch_ok = arch.is_none_or(|a| a == cpu::HOST_ARCH);
        if name == "native" && adjustments.is_empty() && native_arch_ok {
            return Self::native(opt);
        }
        let (preset_arch, mut features, label) = if name == "native" {
            if !native_arch_ok {
                bail!(
                    "`native` is this machine's CPU ({}); name a CPU of the target instead",
                    cpu::HOST_ARCH
                );
            }
            (
                cpu::HOST_ARCH,
                cpu::host_features()
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>(),
                "native",
            )
        } else {
            let Some(preset) = cpu::preset_named(name) else {
                let names: Vec<&str> = cpu::PRESETS.iter().map(|p| p.name).collect();
                bail!(
                    "unknown CPU `{name}`; known: native, {} (see `wasmpi targets`)",
                    names.join(", ")
                );
            };
            (
                preset.arch,
                preset.features.iter().map(|f| f.to_string()).collect(),
                preset.name,
            )
        };
        if let Some(arch) = arch.filter(|a| *a != preset_arch) {
            bail!("CPU `{name}` is {preset_arch}, but the target is {arch}");
        }
        adjust(preset_arch, &mut features, &adjustments)?;
        let mut builder = isa::lookup_by_name(triple(preset_arch)?)
            .map_err(|e| anyhow!("no code generator for {preset_arch}: {e}"))?;
        for feature in &features {
            if let Some(known) = cpu::features_of(preset_arch)
                .iter()
                .find(|k| k.name == feature)
            {
                builder
                    .enable(known.cranelift_flag)
                    .map_err(|e| anyhow!("cannot enable {feature}: {e}"))?;
            }
        }
        let label = if adjustments.is_empty() {
            label.to_string()
        } else {
            spec.to_string()
        };
        Self::finish(builder, &label, opt)
    }

    /// The host CPU, with every feature it has.
    pub fn native(opt: OptLevel) -> Result<Target> {
        let builder = cranelift_native::builder()
            .map_err(|e| anyhow!("this host is not supported by Cranelift: {e}"))?;
        Self::finish(builder, "native", opt)
    }

    fn finish(isa_builder: isa::Builder, cpu_name: &str, opt: OptLevel) -> Result<Target> {
        let (opt_level, alias_analysis) = match opt {
            OptLevel::O0 => ("none", false),
            OptLevel::O1 => ("speed", false),
            OptLevel::O2 => ("speed", true),
        };
        let wanted = [
            ("opt_level", opt_level),
            (
                "enable_alias_analysis",
                if alias_analysis { "true" } else { "false" },
            ),
            ("preserve_frame_pointers", "true"),
            ("enable_verifier", "false"),
            ("unwind_info", "false"),
            ("enable_probestack", "false"),
            ("is_pic", "false"),
            ("use_colocated_libcalls", "true"),
        ];
        let mut shared = settings::builder();
        for (name, value) in wanted {
            shared
                .set(name, value)
                .with_context(|| format!("setting {name}={value}"))?;
        }
        let isa = isa_builder
            .finish(settings::Flags::new(shared))
            .map_err(|e| anyhow!("cannot configure code generation: {e}"))?;
        let arch = isa.triple().architecture.to_string();
        let mut features = Vec::new();
        for flag in isa.isa_flags() {
            if flag.name.starts_with("has_") && flag.as_bool() == Some(true) {
                match cpu::feature_for_cranelift_flag(&arch, flag.name) {
                    Some(feature) => features.push(feature.name.to_string()),
                    None => bail!(
                        "internal error: Cranelift flag {} has no wasmpi feature name",
                        flag.name
                    ),
                }
            }
        }
        let settings = wanted.iter().map(|(n, v)| format!("{n}={v}")).collect();
        Ok(Target {
            isa,
            arch,
            cpu_name: cpu_name.to_string(),
            features,
            settings,
        })
    }
}
