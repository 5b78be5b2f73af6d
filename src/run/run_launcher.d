src/run/run_launcher.o: src/run/run_launcher.cpp \
 src/extension/extension_catalog.h src/pg/pg_headers.h \
 src/run/report_date.h src/run/run_shared.h src/extension/settings.h \
 src/pg/spi_values.h
src/extension/extension_catalog.h:
src/pg/pg_headers.h:
src/run/report_date.h:
src/run/run_shared.h:
src/extension/settings.h:
src/pg/spi_values.h:
