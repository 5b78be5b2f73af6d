#!/usr/bin/env bash
# /docker-entrypoint-initdb.d/10-daily-sales-report.sh — run once, by the
# official entrypoint, when the data directory is initialised (first start on
# an empty volume), in $POSTGRES_DB (the shop's database, "shop"), which must
# be the database named by cron.database_name.
#
#   the shop schema        products, orders, order_items (the fakeshop app's),
#                          only where missing
#   extensions             pg_cron, daily_sales_report
#   report calendar        ALTER DATABASE ... SET daily_sales_report.timezone
#                          = $DSR_TIMEZONE (when set)
#   pg_cron schedule       daily_sales_report.schedule($DSR_CRON_SCHEDULE,
#                          $DSR_CRON_REPORT_DAY); an empty DSR_CRON_SCHEDULE
#                          schedules nothing (Kubernetes runs a CronJob
#                          instead)
#   demo data              DSR_DEMO_SHOP=yes loads the demo shop (30 days of
#                          orders up to yesterday, São Paulo calendar)
set -euo pipefail

db=${POSTGRES_DB:-${POSTGRES_USER:-postgres}}
schedule=${DSR_CRON_SCHEDULE-0 6 * * *}
report_day=${DSR_CRON_REPORT_DAY:-yesterday}
timezone=${DSR_TIMEZONE:-}
demo=${DSR_DEMO_SHOP:-no}
schema_sql=${DSR_SHOP_SCHEMA_SQL:-/usr/share/daily_sales_report/shop-schema.sql}
demo_sql=${DSR_DEMO_SHOP_SQL:-/usr/share/daily_sales_report/shop.sql}

run_psql() {
    psql -X -q -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname "$db" \
        -v db="$db" -v schedule="$schedule" -v report_day="$report_day" -v timezone="$timezone" "$@"
}

echo "daily_sales_report: preparing database $db"

# the shop's schema, as its app creates it, only where missing
run_psql -f "$schema_sql"

run_psql <<'SQL'
SET client_min_messages = warning;

-- pg_cron lives in the database named by cron.database_name: this one.
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS daily_sales_report CASCADE;
SQL

if [[ $demo == yes ]]; then
    run_psql -1 -f "$demo_sql"
    echo "daily_sales_report: demo shop loaded"
fi

# after the demo shop, which sets its own calendar: an explicit one wins
if [[ -n $timezone ]]; then
    run_psql <<'SQL'
ALTER DATABASE :"db" SET daily_sales_report.timezone = :'timezone';
SQL
    echo "daily_sales_report: report calendar of $db: $timezone"
fi

if [[ -n $schedule ]]; then
    run_psql -At <<'SQL'
SELECT format('daily_sales_report: pg_cron job %s runs daily_sales_report(%L) at %L (GMT)',
              daily_sales_report.schedule(:'schedule', :'report_day'), :'report_day', :'schedule');
SQL
else
    echo "daily_sales_report: no pg_cron schedule (DSR_CRON_SCHEDULE is empty)"
fi
