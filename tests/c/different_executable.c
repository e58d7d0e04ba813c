/* A second, different program: started beside many_tasks_across_nodes in one job, it must be
 * refused. */
#include <torc.h>
#include <stdio.h>
int main(int argc, char *argv[])
{
    torc_init(argc, argv, MODE_MW);
    printf("different_executable: this line must not be reached in a mixed job\n");
    torc_finalize();
    return 0;
}
