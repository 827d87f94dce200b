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
