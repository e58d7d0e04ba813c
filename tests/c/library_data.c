/* A shared library with global and static data, for broadcasting variables that live in a
 * shared library (mapped at a different address in every process). */
double lib_table[8];
static long lib_static_count;

long *lib_count_addr(void) { return &lib_static_count; }

/* A task function defined in the library, not registered: identified by (module, offset). */
void lib_read(double *sum, long *count)
{
    double s = 0;
    for (int i = 0; i < 8; i++) s += lib_table[i];
    *sum = s;
    *count = lib_static_count;
}
