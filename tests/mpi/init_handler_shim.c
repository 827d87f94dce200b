/* Not an MPI program: a library preloaded into wasmpirun (LD_PRELOAD) whose MPI_Init and
 * MPI_Init_thread install a SIGSEGV/SIGBUS/SIGILL/SIGFPE handler over the launcher's once the
 * real call returned, as an MPI library or transport may do. The handler says which signal
 * it got and ends the process with status 42. Built with `mpicc -shared -fPIC`. */
#include <mpi.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static void shim_handler(int signal, siginfo_t *info, void *context) {
    (void)info;
    (void)context;
    char line[] = "shim handler: signal 00\n";
    line[21] = (char)('0' + signal / 10 % 10);
    line[22] = (char)('0' + signal % 10);
    write(2, line, sizeof line - 1);
    _exit(42);
}

static void install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = shim_handler;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    const int signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
    for (unsigned i = 0; i < sizeof signals / sizeof signals[0]; i++)
        sigaction(signals[i], &action, NULL);
}

int MPI_Init(int *argc, char ***argv) {
    int rc = PMPI_Init(argc, argv);
    install();
    return rc;
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided) {
    int rc = PMPI_Init_thread(argc, argv, required, provided);
    install();
    return rc;
}
