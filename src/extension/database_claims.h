/*
 * database_claims.h — two databases of one cluster never share a report
 * directory or a Pushgateway job: the second would overwrite the first's
 * PDFs (the file name comes from the date alone), replace its day groups
 * and send its job counters back (a counter reset for Prometheus).
 *
 * The first database to use a directory or a Pushgateway job claims it
 * in $PGDATA/daily_sales_report/ (one small file per claim, cluster-wide,
 * without shared memory).  A run in another database stops with an ERROR
 * naming the claimant and the setting to change; the claim of a database
 * that was dropped is taken over.
 */
#ifndef DSR_DATABASE_CLAIMS_H
#define DSR_DATABASE_CLAIMS_H

#include "pg/pg_headers.h"

/* The report directory, absolute (a relative output_dir is under the data directory). */
char *dsr_output_directory(void);

/* ERROR unless this database may write its PDFs to `directory`; in a transaction. */
void dsr_claim_output_directory(const char *directory);

/*
 * ERROR unless this database may push the configured job to the configured
 * Pushgateway; in a transaction.  Once refused in this process, pushing is
 * off (dsr_push_enabled): not even the failure's counters go to that job.
 */
void dsr_claim_push_job(void);
bool dsr_push_job_refused(void);

#endif /* DSR_DATABASE_CLAIMS_H */
