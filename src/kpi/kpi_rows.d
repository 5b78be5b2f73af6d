src/kpi/kpi_rows.o: src/kpi/kpi_rows.cpp src/kpi/kpi_source.h \
 src/pg/pg_headers.h src/core/report.h src/pg/server_text.h \
 src/pg/spi_values.h
src/kpi/kpi_source.h:
src/pg/pg_headers.h:
src/core/report.h:
src/pg/server_text.h:
src/pg/spi_values.h:
