/* A second, different program: started beside mn_stress in one job it must be refused. */
#include <torc.h>
#include <stdio.h>
int main(int argc, char *argv[])
{
    torc_init(argc, argv, MODE_MW);
    printf("mn_other: this line must not be reached in a mixed job\n");
    torc_finalize();
    return 0;
}
