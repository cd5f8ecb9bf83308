/* A library without GL: check-gl-free must accept it. */
int gl_free_selftest_clean(int x) { return x + 1; }
