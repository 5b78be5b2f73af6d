/*
 * metrics_push.cpp — what a run pushes, and when.
 *
 * A push is first stored in the outbox (committed), then delivered: by the
 * run itself at once, or, if the Pushgateway is away, by the background
 * worker later.  The counters come from the run history when the push is
 * queued, read and queued under the job group's queue lock: the group's
 * bodies are delivered in the order they were read, so whichever push lands
 * last carries the truth and a counter never goes down on the Pushgateway.
 */
#include "push/metrics_push.h"
#include "push/day_groups.h"
#include "core/metrics_payload.h"
#include "push/outbox.h"
#include "push/outbox_worker.h"
#include "push/pushgateway.h"
#include "extension/settings.h"
#include "pg/transactions.h"

/* Current counters from the run history; in a transaction. */
static DsrJobFigures
current_counters(void)
{
    DsrJobFigures job;

    memset(&job, 0, sizeof(job));
    dsr_history_job_counters(&job);
    return job;
}

static void
record_push(int64 run_id, bool pushed, int retries, double seconds, const char *error)
{
    dsr_begin_transaction();
    dsr_history_pushed(run_id, pushed, retries, seconds, error);
    if (!pushed)
        dsr_ensure_outbox_worker();
    dsr_commit_transaction();
}

/* The job group's figures: the counters as the history has them now, and the run's own. */
static DsrJobFigures
job_figures(const DsrReport *report, const DsrRunFigures *figures)
{
    DsrJobFigures job = current_counters();

    job.include_performance = true;
    job.generation_seconds = figures->duration_seconds;
    job.query_seconds = figures->query_seconds;
    job.pdf_seconds = figures->pdf_seconds;
    job.pdf_kilobytes = figures->pdf_bytes / 1024.0;
    job.cpu_percent = figures->cpu_percent;
    job.memory_mb = figures->memory_mb;
    job.database_connections = figures->database_connections;
    job.records_per_second = figures->query_seconds > 0 ? report->rows_read / figures->query_seconds : 0;
    return job;
}

/* What becomes of a push that was not delivered, for the WARNING's hint. */
static const char *
undelivered_hint(long http_status)
{
    if (dsr_push_refused_for_good(http_status))
        return "The Pushgateway refused the push for its content, so it will not be sent again: it stays in daily_sales_report.outbox (last_error) for a person to look at, and the next push of the group replaces it.";
    if (http_status == 401 || http_status == 403)
        return "Check the credentials (daily_sales_report.pushgateway_auth_file); the metrics are kept in daily_sales_report.outbox and the background worker delivers them once the Pushgateway accepts them.";
    return "The metrics are kept in daily_sales_report.outbox and the background worker delivers them when the Pushgateway answers again.";
}

bool
dsr_push_run_metrics(int64 run_id, const DsrReport *report, const DsrRunFigures *figures)
{
    DsrJobFigures job;
    char       *day_group = dsr_metrics_group_path(report->report_date);
    char       *job_group = dsr_metrics_group_path(NULL);
    DsrDelivery day;
    DsrDelivery all;
    bool        job_delivered = false;
    int64       expired;
    const char *error;
    long        failed_status;

    dsr_begin_transaction();
    dsr_outbox_lock_group_until_commit(job_group);
    job = job_figures(report, figures);
    dsr_outbox_enqueue(run_id, dsr_pushgateway_url, "PUT", day_group, dsr_payload(dsr_business_payload(report)));
    dsr_day_group_pushed(dsr_pushgateway_url, day_group, report->report_date);
    dsr_outbox_enqueue(run_id, dsr_pushgateway_url, "PUT", job_group, dsr_payload(dsr_job_payload(&job)));
    expired = dsr_day_groups_expire(run_id, day_group);
    if (expired > 0)
        dsr_ensure_outbox_worker();     /* it deletes them: the run only waits for its own groups */
    dsr_commit_transaction();
    if (expired > 0)
        ereport(NOTICE,
                (errmsg("%lld day groups older than %d days queued for deletion from the Pushgateway",
                        (long long) expired, dsr_pushgateway_keep_days),
                 errhint("daily_sales_report.pushgateway_keep_days sets how many days stay; 0 keeps them all.")));

    day = dsr_outbox_deliver_group(day_group, true, true);
    if (!day.ok && day.http_status == 0)
        all = day;      /* unreachable: the job group would only wait out the same retries */
    else
    {
        all = dsr_outbox_deliver_group(job_group, true, true);
        job_delivered = all.ok;
        all.ok = all.ok && day.ok;
        all.retries += day.retries;
        all.seconds += day.seconds;
    }
    error = all.ok ? NULL : (!day.ok ? day.error : all.error);
    failed_status = !day.ok ? day.http_status : all.http_status;
    record_push(run_id, all.ok, all.retries, all.seconds, error);

    /*
     * The counters pushed above were read before this push's retries and
     * network error were recorded: queue the job group again with them, so
     * that the Pushgateway ends up with the truth (at once if it answers).
     */
    if (!all.ok || all.retries > 0)
    {
        dsr_begin_transaction();
        dsr_outbox_lock_group_until_commit(job_group);
        job = job_figures(report, figures);
        dsr_outbox_enqueue(run_id, dsr_pushgateway_url, "PUT", job_group, dsr_payload(dsr_job_payload(&job)));
        dsr_commit_transaction();
        if (job_delivered)
            (void) dsr_outbox_deliver_group(job_group, true, false);
    }

    if (all.ok)
    {
        ereport(NOTICE,
                (errmsg("metrics pushed to %s (job \"%s\", date %s) in %.1f ms, %d retries",
                        dsr_pushgateway_url, dsr_job_name, report->report_date, all.seconds * 1000, all.retries)));
        return true;
    }
    ereport(WARNING,
            (errmsg("could not push the metrics to the Pushgateway at %s: %s", dsr_pushgateway_url, error),
             errdetail("The report is done and recorded (run %lld); %d retries were made.",
                       (long long) run_id, all.retries),
             errhint("%s", undelivered_hint(failed_status))));
    return false;
}

void
dsr_push_counters(int64 run_id, bool deliver)
{
    DsrJobFigures job;
    char       *job_group;
    DsrDelivery delivery;

    if (!dsr_push_enabled())
        return;
    job_group = dsr_metrics_group_path(NULL);
    dsr_begin_transaction();
    dsr_outbox_lock_group_until_commit(job_group);
    job = current_counters();
    job.include_performance = false;
    dsr_outbox_enqueue(run_id, dsr_pushgateway_url, "POST", job_group, dsr_payload(dsr_job_payload(&job)));
    if (!deliver)
        dsr_ensure_outbox_worker();
    dsr_commit_transaction();
    if (!deliver)
        return;

    delivery = dsr_outbox_deliver_group(job_group, true, false);
    if (!delivery.ok)
    {
        ereport(WARNING,
                (errmsg("could not push the counters to the Pushgateway at %s: %s",
                        dsr_pushgateway_url, delivery.error),
                 errhint("%s", undelivered_hint(delivery.http_status))));
        dsr_begin_transaction();
        dsr_ensure_outbox_worker();
        dsr_commit_transaction();
    }
}

void
dsr_push_running(void)
{
    DsrPushResult push;

    dsr_begin_transaction();
    if (dsr_outbox_pending() > 0)
        dsr_ensure_outbox_worker();
    dsr_commit_transaction();

    if (!dsr_push_enabled())
        return;
    push = dsr_push_to(dsr_pushgateway_url, "POST", dsr_metrics_group_path(NULL),
                       dsr_payload(dsr_running_payload(1)), DSR_PUSH_PROBE);
    CHECK_FOR_INTERRUPTS();
    if (!push.ok)
        ereport(NOTICE, (errmsg("Pushgateway not reachable at start: %s", push.error)));
}
