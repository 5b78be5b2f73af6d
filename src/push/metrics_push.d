src/push/metrics_push.o: src/push/metrics_push.cpp \
 src/push/metrics_push.h src/pg/pg_headers.h src/core/report.h \
 src/run/run_history.h src/core/metrics_payload.h src/core/report.h \
 src/push/day_groups.h src/push/outbox.h src/push/outbox_worker.h \
 src/push/pushgateway.h src/core/push_client.h src/extension/settings.h \
 src/pg/transactions.h
src/push/metrics_push.h:
src/pg/pg_headers.h:
src/core/report.h:
src/run/run_history.h:
src/core/metrics_payload.h:
src/core/report.h:
src/push/day_groups.h:
src/push/outbox.h:
src/push/outbox_worker.h:
src/push/pushgateway.h:
src/core/push_client.h:
src/extension/settings.h:
src/pg/transactions.h:
