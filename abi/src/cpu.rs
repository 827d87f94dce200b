//! CPU features an artifact may require, and how the launcher checks a host for them.
//!
//! The compiler records, in each artifact, every CPU feature its code generator was allowed to
//! use (by the feature names below, which are Rust's `is_*_feature_detected!` names). The
//! launcher refuses an artifact that requires a feature this CPU lacks, before running any of
//! its code, and names the missing feature.

/// A CPU feature known to wasmpi: its user-facing name and the Cranelift ISA flag it enables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Feature {
    /// Name used in artifacts, messages and `--cpu-features` (e.g. `avx2`, `sse4.1`, `lse`).
    pub name: &'static str,
    /// The Cranelift ISA setting enabled for it (e.g. `has_avx2`).
    pub cranelift_flag: &'static str,
}

const fn feature(name: &'static str, cranelift_flag: &'static str) -> Feature {
    Feature {
        name,
        cranelift_flag,
    }
}

/// Features of x86-64 CPUs that Cranelift can use.
pub const X86_64_FEATURES: &[Feature] = &[
    feature("sse3", "has_sse3"),
    feature("ssse3", "has_ssse3"),
    feature("sse4.1", "has_sse41"),
    feature("sse4.2", "has_sse42"),
    feature("popcnt", "has_popcnt"),
    feature("avx", "has_avx"),
    feature("avx2", "has_avx2"),
    feature("fma", "has_fma"),
    feature("bmi1", "has_bmi1"),
    feature("bmi2", "has_bmi2"),
    feature("lzcnt", "has_lzcnt"),
    feature("avx512f", "has_avx512f"),
    feature("avx512vl", "has_avx512vl"),
    feature("avx512dq", "has_avx512dq"),
    feature("avx512bitalg", "has_avx512bitalg"),
    feature("avx512vbmi", "has_avx512vbmi"),
];

/// Features of aarch64 CPUs that Cranelift can use.
pub const AARCH64_FEATURES: &[Feature] = &[
    feature("lse", "has_lse"),
    feature("paca", "has_pauth"),
    feature("fp16", "has_fp16"),
];

/// The features known for an architecture (`x86_64` or `aarch64`); empty for others.
pub fn features_of(arch: &str) -> &'static [Feature] {
    match arch {
        "x86_64" => X86_64_FEATURES,
        "aarch64" => AARCH64_FEATURES,
        _ => &[],
    }
}

/// Looks up the feature whose Cranelift flag is `flag`.
pub fn feature_for_cranelift_flag(arch: &str, flag: &str) -> Option<&'static Feature> {
    features_of(arch).iter().find(|f| f.cranelift_flag == flag)
}

/// The architecture this program was built for, in the spelling artifacts use.
pub const HOST_ARCH: &str = std::env::consts::ARCH;

/// Whether this CPU has the named feature. Unknown names and other architectures' features
/// are reported as absent.
pub fn host_has(name: &str) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        match name {
            "sse3" => has!("sse3"),
            "ssse3" => has!("ssse3"),
            "sse4.1" => has!("sse4.1"),
            "sse4.2" => has!("sse4.2"),
            "popcnt" => has!("popcnt"),
            "avx" => has!("avx"),
            "avx2" => has!("avx2"),
            "fma" => has!("fma"),
            "bmi1" => has!("bmi1"),
            "bmi2" => has!("bmi2"),
            "lzcnt" => has!("lzcnt"),
            "avx512f" => has!("avx512f"),
            "avx512vl" => has!("avx512vl"),
            "avx512dq" => has!("avx512dq"),
            "avx512bitalg" => has!("avx512bitalg"),
            "avx512vbmi" => has!("avx512vbmi"),
            _ => false,
        }
    }
    #[cfg(target_arch = "aarch64")]
    {
        use std::arch::is_aarch64_feature_detected as has;
        match name {
            "lse" => has!("lse"),
            "paca" => has!("paca"),
            "fp16" => has!("fp16"),
            _ => false,
        }
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = name;
        false
    }
}

/// Every known feature this CPU has.
pub fn host_features() -> Vec<&'static str> {
    features_of(HOST_ARCH)
        .iter()
        .map(|f| f.name)
        .filter(|name| host_has(name))
        .collect()
}

/// The features in `required` that this CPU lacks, in order.
pub fn missing_on_host(required: &[String]) -> Vec<&str> {
    required
        .iter()
        .map(String::as_str)
        .filter(|name| !host_has(name))
        .collect()
}

/// A named CPU: what `wasmpi compile --cpu NAME` compiles for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// Name (`x86-64-v3`, `neoverse-v1`, ...).
    pub name: &'static str,
    /// Architecture (`x86_64` or `aarch64`).
    pub arch: &'static str,
    /// Features the code may use on it ([`Feature::name`]s).
    pub features: &'static [&'static str],
    /// One line for `wasmpi targets`.
    pub description: &'static str,
}

const X86_V2: &[&str] = &["sse3", "ssse3", "sse4.1", "sse4.2", "popcnt"];
const X86_V3: &[&str] = &[
    "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "bmi1", "bmi2", "fma", "lzcnt",
];
/// Cranelift's AVX-512 lowerings need F with VL (and DQ for 64-bit lane multiplies and
/// conversions): a preset never enables one without the others.
const X86_V4: &[&str] = &[
    "sse3", "ssse3", "sse4.1", "sse4.2", "popcnt", "avx", "avx2", "bmi1", "bmi2", "fma", "lzcnt",
    "avx512f", "avx512vl", "avx512dq",
];
const X86_ICELAKE: &[&str] = &[
    "sse3",
    "ssse3",
    "sse4.1",
    "sse4.2",
    "popcnt",
    "avx",
    "avx2",
    "bmi1",
    "bmi2",
    "fma",
    "lzcnt",
    "avx512f",
    "avx512vl",
    "avx512dq",
    "avx512bitalg",
    "avx512vbmi",
];

const fn preset(
    name: &'static str,
    arch: &'static str,
    features: &'static [&'static str],
    description: &'static str,
) -> Preset {
    Preset {
        name,
        arch,
        features,
        description,
    }
}

/// Every named CPU, in the order `wasmpi targets` lists them. Among presets a CPU can run,
/// the one with the most features is its best match; ties go to the earlier one.
pub const PRESETS: &[Preset] = &[
    preset("x86-64", "x86_64", &[], "any x86-64 CPU (SSE2)"),
    preset(
        "x86-64-v2",
        "x86_64",
        X86_V2,
        "x86-64 level 2: Nehalem and later, SSE4.2, POPCNT",
    ),
    preset(
        "x86-64-v3",
        "x86_64",
        X86_V3,
        "x86-64 level 3: Haswell/Zen and later, AVX2, FMA, BMI",
    ),
    preset(
        "x86-64-v4",
        "x86_64",
        X86_V4,
        "x86-64 level 4: AVX-512 F/VL/DQ",
    ),
    preset("skylake-avx512", "x86_64", X86_V4, "Intel Xeon Skylake-SP"),
    preset("cascadelake", "x86_64", X86_V4, "Intel Xeon Cascade Lake"),
    preset(
        "icelake-server",
        "x86_64",
        X86_ICELAKE,
        "Intel Xeon Ice Lake-SP (adds AVX-512 VBMI, BITALG)",
    ),
    preset(
        "sapphirerapids",
        "x86_64",
        X86_ICELAKE,
        "Intel Xeon Sapphire Rapids",
    ),
    preset("znver2", "x86_64", X86_V3, "AMD EPYC Rome (Zen 2)"),
    preset("znver3", "x86_64", X86_V3, "AMD EPYC Milan (Zen 3)"),
    preset(
        "znver4",
        "x86_64",
        X86_ICELAKE,
        "AMD EPYC Genoa (Zen 4, AVX-512)",
    ),
    preset("aarch64", "aarch64", &[], "any 64-bit Arm CPU (Armv8.0)"),
    preset(
        "neoverse-n1",
        "aarch64",
        &["lse", "fp16"],
        "Arm Neoverse N1 (Ampere Altra, Graviton2)",
    ),
    preset(
        "neoverse-v1",
        "aarch64",
        &["lse", "fp16", "paca"],
        "Arm Neoverse V1 (Graviton3)",
    ),
    preset(
        "neoverse-v2",
        "aarch64",
        &["lse", "fp16", "paca"],
        "Arm Neoverse V2 (Grace, Graviton4)",
    ),
    preset(
        "a64fx",
        "aarch64",
        &["lse", "fp16"],
        "Fujitsu A64FX (Fugaku)",
    ),
    preset(
        "apple-m1",
        "aarch64",
        &["lse", "fp16", "paca"],
        "Apple M1 (Linux VMs on Apple silicon)",
    ),
];

/// The preset called `name`.
pub fn preset_named(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// The preset that best matches a CPU with `features` on `arch`: the one with the most
/// features that are all present (ties: the earlier in [`PRESETS`]).
pub fn best_preset(arch: &str, features: &[&str]) -> Option<&'static Preset> {
    PRESETS
        .iter()
        .filter(|p| p.arch == arch && p.features.iter().all(|f| features.contains(f)))
        .fold(None, |best: Option<&'static Preset>, p| match best {
            Some(b) if b.features.len() >= p.features.len() => Some(b),
            _ => Some(p),
        })
}

/// A CPU description as `--cpu` takes it: a preset name followed by `+feature`/`-feature`
/// adjustments (`x86-64-v3+avx512f+avx512vl`), for exactly `features` on `arch`.
pub fn describe(arch: &str, features: &[&str]) -> String {
    let Some(base) = best_preset(arch, features) else {
        return String::from(arch);
    };
    let mut text = base.name.to_string();
    for f in features_of(arch) {
        if features.contains(&f.name) && !base.features.contains(&f.name) {
            text.push('+');
            text.push_str(f.name);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_name_known_features_and_nest() {
        for p in PRESETS {
            for f in p.features {
                assert!(
                    features_of(p.arch).iter().any(|k| k.name == *f),
                    "{}: unknown feature {f}",
                    p.name
                );
            }
            if p.features.contains(&"avx512f") {
                assert!(
                    p.features.contains(&"avx512vl") && p.features.contains(&"avx512dq"),
                    "{}",
                    p.name
                );
            }
        }
        for (lower, higher) in [
            ("x86-64-v2", "x86-64-v3"),
            ("x86-64-v3", "x86-64-v4"),
            ("x86-64-v4", "icelake-server"),
        ] {
            let (lower, higher) = (preset_named(lower).unwrap(), preset_named(higher).unwrap());
            assert!(
                lower.features.iter().all(|f| higher.features.contains(f)),
                "{} ⊄ {}",
                lower.name,
                higher.name
            );
        }
    }

    #[test]
    fn best_preset_and_description() {
        assert_eq!(best_preset("x86_64", &[]).unwrap().name, "x86-64");
        assert_eq!(best_preset("x86_64", X86_V3).unwrap().name, "x86-64-v3");
        let mut v4_and_more = X86_V4.to_vec();
        v4_and_more.push("avx512vbmi");
        assert_eq!(
            best_preset("x86_64", &v4_and_more).unwrap().name,
            "x86-64-v4"
        );
        assert_eq!(describe("x86_64", &v4_and_more), "x86-64-v4+avx512vbmi");
        assert_eq!(describe("aarch64", &["lse", "fp16", "paca"]), "neoverse-v1");
    }
}
