src/push/outbox_worker.o: src/push/outbox_worker.cpp \
 src/extension/extension_catalog.h src/pg/pg_headers.h \
 src/push/metrics_push.h src/core/report.h src/run/run_history.h \
 src/core/metrics_payload.h src/core/report.h \
 src/extension/extension_locks.h src/push/outbox.h \
 src/push/outbox_worker.h src/extension/settings.h src/pg/spi_values.h \
 src/pg/transactions.h
src/extension/extension_catalog.h:
src/pg/pg_headers.h:
src/push/metrics_push.h:
src/core/report.h:
src/run/run_history.h:
src/core/metrics_payload.h:
src/core/report.h:
src/extension/extension_locks.h:
src/push/outbox.h:
src/push/outbox_worker.h:
src/extension/settings.h:
src/pg/spi_values.h:
src/pg/transactions.h:
