src/kpi/shop_guard.o: src/kpi/shop_guard.cpp src/kpi/kpi_source.h \
 src/pg/pg_headers.h src/core/report.h src/extension/settings.h
src/kpi/kpi_source.h:
src/pg/pg_headers.h:
src/core/report.h:
src/extension/settings.h:
