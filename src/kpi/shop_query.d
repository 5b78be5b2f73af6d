src/kpi/shop_query.o: src/kpi/shop_query.cpp src/kpi/kpi_source.h \
 src/pg/pg_headers.h src/core/report.h src/extension/settings.h \
 src/pg/spi_values.h
src/kpi/kpi_source.h:
src/pg/pg_headers.h:
src/core/report.h:
src/extension/settings.h:
src/pg/spi_values.h:
