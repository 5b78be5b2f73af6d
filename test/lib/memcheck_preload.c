/*
 * memcheck_preload.c — preloaded by test/memcheck after libasan into the
 * server (which is not built with the sanitizers), built with -z initfirst so
 * that its constructor runs before every other library's.
 *
 * 1. It starts AddressSanitizer there.  Otherwise ASan starts on the first
 *    malloc, which comes from libp11-kit's constructor inside newlocale()
 *    while glibc's locale lock is held; ASan's start-up calls dlerror(), which
 *    takes the same lock and leaves it broken: the next setlocale() or
 *    bindtextdomain() (postgres -V, initdb) waits forever.
 *
 * 2. It keeps UBSAN_OPTIONS for UndefinedBehaviorSanitizer, through the
 *    __ubsan_default_options hook.  UBSan (libubsan, loaded with the library)
 *    starts at its first report and reads its options from /proc/self/environ,
 *    which by then PostgreSQL has overwritten with the process title (ps
 *    display): the report would go to the server log, without a stack trace.
 */
#include <string.h>

void __asan_init(void);

static char ubsan_options[4096];

const char *__ubsan_default_options(void);

const char *
__ubsan_default_options(void)
{
    return ubsan_options;
}

/* glibc passes argc, argv and envp to constructors; environ is not set yet
 * this early (libc's own initializer has not run) */
__attribute__((constructor)) static void
memcheck_preload(int argc, char **argv, char **envp)
{
    static const char name[] = "UBSAN_OPTIONS=";

    (void) argc;
    (void) argv;
    __asan_init();
    for (; envp != NULL && *envp != NULL; envp++)
        if (strncmp(*envp, name, sizeof(name) - 1) == 0 &&
            strlen(*envp + sizeof(name) - 1) < sizeof(ubsan_options))
            strcpy(ubsan_options, *envp + sizeof(name) - 1);
}
