src/pg/spi_values.o: src/pg/spi_values.cpp src/pg/spi_values.h \
 src/pg/pg_headers.h
src/pg/spi_values.h:
src/pg/pg_headers.h:
