// Linked into the vugpu daemon in sanitizer builds only (tests/sanitizers/CMakeLists.txt).
//
// LeakSanitizer checks for leaks at exit by stopping every thread from a tracer task (a clone
// without CLONE_THREAD that ptrace()s them). The daemon's seccomp sandbox forbids exactly that;
// the tracer, its signals blocked, dies of SIGSYS without a word and the daemon waits for it
// forever. So the daemon runs with ASan and UBSan but without the leak check; the same core
// code runs leak-checked inside the unit and integration tests' own processes.
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
