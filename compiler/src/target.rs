//! The code generation target: architecture, CPU features and settings, as one Cranelift ISA.
//!
//! The features an artifact records are read back from the ISA that generated its code, so
//! the record cannot disagree with what the code may use.

use anyhow::{anyhow, bail, Context, Result};
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
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

impl Target {
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
