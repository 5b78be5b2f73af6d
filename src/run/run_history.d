src/run/run_history.o: src/run/run_history.cpp src/run/run_history.h \
 src/pg/pg_headers.h src/core/metrics_payload.h src/core/report.h \
 src/core/report.h src/pg/spi_values.h src/pg/transactions.h
src/run/run_history.h:
src/pg/pg_headers.h:
src/core/metrics_payload.h:
src/core/report.h:
src/core/report.h:
src/pg/spi_values.h:
src/pg/transactions.h:
