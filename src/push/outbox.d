src/push/outbox.o: src/push/outbox.cpp src/extension/extension_locks.h \
 src/pg/pg_headers.h src/push/outbox.h src/push/pushgateway.h \
 src/core/push_client.h src/extension/settings.h src/pg/spi_values.h \
 src/pg/transactions.h
src/extension/extension_locks.h:
src/pg/pg_headers.h:
src/push/outbox.h:
src/push/pushgateway.h:
src/core/push_client.h:
src/extension/settings.h:
src/pg/spi_values.h:
src/pg/transactions.h:
