src/run/run_worker.o: src/run/run_worker.cpp src/push/metrics_push.h \
 src/pg/pg_headers.h src/core/report.h src/run/run_history.h \
 src/core/metrics_payload.h src/core/report.h src/push/outbox.h \
 src/push/outbox_worker.h src/run/report_run.h src/run/run_shared.h \
 src/pg/transactions.h
src/push/metrics_push.h:
src/pg/pg_headers.h:
src/core/report.h:
src/run/run_history.h:
src/core/metrics_payload.h:
src/core/report.h:
src/push/outbox.h:
src/push/outbox_worker.h:
src/run/report_run.h:
src/run/run_shared.h:
src/pg/transactions.h:
