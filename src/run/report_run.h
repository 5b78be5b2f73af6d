/*
 * report_run.h — one run of the report, start to finish, in a background
 * worker: record it, compute, write the PDF, push, record the outcome.
 */
#ifndef DSR_REPORT_RUN_H
#define DSR_REPORT_RUN_H

#include "run/run_shared.h"

/*
 * Do the run of request->report_date and fill request->result.  Must be called outside
 * a transaction (it commits its own).  A failure is recorded in the run
 * history and pushed, then re-raised as an ERROR.
 */
void dsr_execute_run(DsrRunRequest *request);

#endif /* DSR_REPORT_RUN_H */
