// A shared library that is not a vugpu plugin: it exports no descriptor.
extern "C" __attribute__((visibility("default"))) int vugpu_test_not_a_plugin() { return 42; }
