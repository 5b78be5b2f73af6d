src/run/report_run.o: src/run/report_run.cpp \
 src/extension/database_claims.h src/pg/pg_headers.h \
 src/extension/extension_locks.h src/kpi/kpi_query.h src/core/report.h \
 src/core/metrics_payload.h src/core/report.h src/core/pdf_report.h \
 src/push/metrics_push.h src/run/run_history.h src/push/outbox_worker.h \
 src/push/pushgateway.h src/core/push_client.h src/run/report_date.h \
 src/run/report_run.h src/run/run_shared.h src/pg/server_text.h \
 src/extension/settings.h src/pg/spi_values.h src/pg/transactions.h
src/extension/database_claims.h:
src/pg/pg_headers.h:
src/extension/extension_locks.h:
src/kpi/kpi_query.h:
src/core/report.h:
src/core/metrics_payload.h:
src/core/report.h:
src/core/pdf_report.h:
src/push/metrics_push.h:
src/run/run_history.h:
src/push/outbox_worker.h:
src/push/pushgateway.h:
src/core/push_client.h:
src/run/report_date.h:
src/run/report_run.h:
src/run/run_shared.h:
src/pg/server_text.h:
src/extension/settings.h:
src/pg/spi_values.h:
src/pg/transactions.h:
