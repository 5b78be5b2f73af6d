src/kpi/expected_revenue.o: src/kpi/expected_revenue.cpp \
 src/core/expected_band.h src/core/report.h src/kpi/kept_figures.h \
 src/kpi/kpi_source.h src/pg/pg_headers.h src/core/report.h \
 src/run/report_date.h src/extension/settings.h src/pg/spi_values.h \
 src/pg/transactions.h
src/core/expected_band.h:
src/core/report.h:
src/kpi/kept_figures.h:
src/kpi/kpi_source.h:
src/pg/pg_headers.h:
src/core/report.h:
src/run/report_date.h:
src/extension/settings.h:
src/pg/spi_values.h:
src/pg/transactions.h:
