// glibc's GNU extensions that the Glibc module does not export (it is built without _GNU_SOURCE).
#if defined(__linux__)
// malloc_trim, mallopt: the daemon returns freed heap to the OS after a sync.
#include <malloc.h>
#include <spawn.h>
#include <unistd.h>
// BoundedProcess closes every inherited descriptor in the child without listing /proc/self/fd (glibc >= 2.34), and
// makes its pipe close-on-exec atomically.
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);
extern int pipe2(int fds[2], int flags);
#endif
