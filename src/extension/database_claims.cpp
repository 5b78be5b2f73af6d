/*
 * database_claims.cpp — a report directory and a Pushgateway job belong to
 * one database of the cluster (see database_claims.h).
 */
#include <fcntl.h>
#include <sys/stat.h>

#include "extension/database_claims.h"
#include "extension/settings.h"

extern "C" {
#include "common/file_perm.h"
#include "storage/fd.h"
#include "utils/syscache.h"
}

#define DSR_CLAIMS_DIR "daily_sales_report"

static bool push_refused = false;

char *
dsr_output_directory(void)
{
    const char *dir = dsr_output_dir;
    char       *absolute;

    if (dir == NULL || dir[0] == '\0')
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                 errmsg("daily_sales_report.output_dir is empty"),
                 errhint("Set it to the directory the PDF reports go to, e.g. ALTER SYSTEM SET daily_sales_report.output_dir = '/var/lib/postgresql/reports'.")));
    absolute = is_absolute_path(dir) ? pstrdup(dir) : psprintf("%s/%s", DataDir, dir);
    canonicalize_path(absolute);
    return absolute;
}

/* The claim file of `key` (a hash of it: keys hold any character). */
static char *
claim_path(const char *key)
{
    uint64      hash = hash_bytes_extended((const unsigned char *) key, (int) strlen(key), 0);

    return psprintf("%s/" DSR_CLAIMS_DIR "/claim-%016llx", DataDir, (unsigned long long) hash);
}

/*
 * Write "<database oid>\n<key>\n" to `path` through a temporary file: a new
 * claim is linked in (it fails if another database claimed first: two runs
 * starting together in two databases do not both win), a taken-over one
 * renamed over the old.  False if `path` appeared meanwhile.
 */
static bool
write_claim(const char *path, const char *key, bool replace)
{
    char       *temporary = psprintf("%s.%d", path, MyProcPid);
    char       *content = psprintf("%u\n%s\n", MyDatabaseId, key);
    FILE       *file = AllocateFile(temporary, PG_BINARY_W);
    bool        linked;

    if (file == NULL || fwrite(content, 1, strlen(content), file) != strlen(content) || FreeFile(file) != 0)
        ereport(ERROR,
                (errcode_for_file_access(),
                 errmsg("could not write the claim file \"%s\": %m", temporary)));
    if (replace)
    {
        durable_rename(temporary, path, ERROR);
        return true;
    }
    linked = link(temporary, path) == 0;
    if (!linked && errno != EEXIST)
        ereport(ERROR, (errcode_for_file_access(), errmsg("could not create the claim file \"%s\": %m", path)));
    (void) unlink(temporary);
    return linked;
}

/* The database that holds `key`: this one after the call, or another (returned) that still exists. */
static Oid
claim(const char *key)
{
    char       *dir = psprintf("%s/" DSR_CLAIMS_DIR, DataDir);
    char       *path = claim_path(key);

    if (MakePGDirectory(dir) != 0 && errno != EEXIST)
        ereport(ERROR, (errcode_for_file_access(), errmsg("could not create directory \"%s\": %m", dir)));
    for (;;)
    {
        FILE       *file = AllocateFile(path, PG_BINARY_R);
        char        line[32];
        unsigned int holder = InvalidOid;

        if (file == NULL)
        {
            if (errno != ENOENT)
                ereport(ERROR, (errcode_for_file_access(), errmsg("could not read \"%s\": %m", path)));
            if (write_claim(path, key, false))
                return MyDatabaseId;
            continue;           /* claimed meanwhile: read who did */
        }
        if (fgets(line, sizeof(line), file) == NULL || sscanf(line, "%u", &holder) != 1)
            holder = InvalidOid;
        FreeFile(file);
        if (holder == MyDatabaseId)
            return MyDatabaseId;
        /* a claim left by a dropped database (or unreadable) is taken over */
        if (!OidIsValid(holder) || !SearchSysCacheExists1(DATABASEOID, ObjectIdGetDatum(holder)))
        {
            (void) write_claim(path, key, true);
            return MyDatabaseId;
        }
        return holder;
    }
}

static const char *
database_name(Oid database)
{
    char       *name = get_database_name(database);

    return name != NULL ? name : psprintf("with OID %u", database);
}

void
dsr_claim_output_directory(const char *directory)
{
    /* the directory itself, however it is spelled (a symlink, '..'): made first, so that it resolves */
    char       *made = pstrdup(directory);
    char       *resolved = (pg_mkdir_p(made, pg_dir_create_mode) == 0 || errno == EEXIST)
        ? realpath(directory, NULL) : NULL;
    char       *key = psprintf("pdf %s", resolved != NULL ? resolved : directory);
    Oid         holder;
    const char *here = database_name(MyDatabaseId);

    free(resolved);
    holder = claim(key);
    if (holder != MyDatabaseId)
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_IN_USE),
                 errmsg("the report directory \"%s\" holds the reports of database \"%s\"",
                        directory, database_name(holder)),
                 errdetail("Two databases writing one directory would overwrite each other's daily-sales-<date>.pdf (claim file %s).",
                           claim_path(key)),
                 errhint("Give this database a directory of its own: ALTER DATABASE %s SET daily_sales_report.output_dir = '%s/%s'; as a superuser.",
                         quote_identifier(here), directory, here)));
}

void
dsr_claim_push_job(void)
{
    /* the job alone: one Pushgateway can be spelled many ways (a trailing '/', localhost, ...) */
    char       *key = psprintf("push job %s", dsr_job_name);
    Oid         holder;
    const char *here;

    if (dsr_pushgateway_url == NULL || dsr_pushgateway_url[0] == '\0')
        return;
    holder = claim(key);
    if (holder == MyDatabaseId)
        return;
    push_refused = true;
    here = database_name(MyDatabaseId);
    ereport(ERROR,
            (errcode(ERRCODE_OBJECT_IN_USE),
             errmsg("the Pushgateway job \"%s\" carries the metrics of database \"%s\"",
                    dsr_job_name, database_name(holder)),
             errdetail("Two databases pushing one job would replace each other's day groups and send its counters back (claim file %s).",
                       claim_path(key)),
             errhint("Give this database a job of its own: ALTER DATABASE %s SET daily_sales_report.job_name = '%s-%s'; as a superuser.",
                     quote_identifier(here), dsr_job_name, here)));
}

bool
dsr_push_job_refused(void)
{
    return push_refused;
}
