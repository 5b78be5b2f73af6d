src/kpi/kpi_query.o: src/kpi/kpi_query.cpp src/kpi/kpi_query.h \
 src/pg/pg_headers.h src/core/report.h src/kpi/kpi_source.h \
 src/run/report_date.h src/extension/settings.h src/pg/spi_values.h \
 src/pg/transactions.h
src/kpi/kpi_query.h:
src/pg/pg_headers.h:
src/core/report.h:
src/kpi/kpi_source.h:
src/run/report_date.h:
src/extension/settings.h:
src/pg/spi_values.h:
src/pg/transactions.h:
