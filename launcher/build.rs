//! Compiles the host MPI constants table (`src/mpi/host.c`) with the host's MPI compiler
//! wrapper, found the way rsmpi finds MPI (mpicc, then pkg-config).

fn main() {
    #[cfg(feature = "mpi")]
    compile_host_table();
}

/// Compiles `src/mpi/host.c` with the host's MPI compiler.
#[cfg(feature = "mpi")]
fn compile_host_table() {
    println!("cargo:rerun-if-changed=src/mpi/host.c");
    let library = match build_probe_mpi::probe() {
        Ok(library) => library,
        Err(errors) => {
            let reasons: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
            panic!(
                "wasmpirun needs an MPI library (install Open MPI: `apt-get install libopenmpi-dev openmpi-bin`, \
                 or MPICH: `apt-get install libmpich-dev mpich`): {}",
                reasons.join("; ")
            );
        }
    };
    let mut build = cc::Build::new();
    build.file("src/mpi/host.c").warnings(true);
    match library.mpicc {
        Some(mpicc) => {
            build.compiler(mpicc);
        }
        None => {
            for dir in &library.include_paths {
                build.include(dir);
            }
        }
    }
    build.compile("wasmpi_mpi_host");
}
