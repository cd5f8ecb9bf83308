/* An object calling a GL function (left undefined in the archive): must be rejected. */
extern void glClear(unsigned int mask);
void gl_free_selftest_clear(void) { glClear(0x4000); }
