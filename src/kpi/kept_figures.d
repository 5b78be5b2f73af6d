src/kpi/kept_figures.o: src/kpi/kept_figures.cpp src/kpi/kept_figures.h \
 src/kpi/kpi_source.h src/pg/pg_headers.h src/core/report.h
src/kpi/kept_figures.h:
src/kpi/kpi_source.h:
src/pg/pg_headers.h:
src/core/report.h:
