src/push/day_groups.o: src/push/day_groups.cpp src/push/day_groups.h \
 src/pg/pg_headers.h src/push/outbox.h src/extension/settings.h \
 src/pg/spi_values.h src/pg/transactions.h
src/push/day_groups.h:
src/pg/pg_headers.h:
src/push/outbox.h:
src/extension/settings.h:
src/pg/spi_values.h:
src/pg/transactions.h:
