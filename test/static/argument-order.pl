#!/usr/bin/perl
# test/static/argument-order.pl FILE... — prints each statement whose call
# both writes a variable (&x) and reads it (x) in one argument list, as in
# f(SPI_getbinval(..., &isnull), isnull): C++ leaves the order of arguments
# unspecified, so x may be read before it is set.  Exit status 1 if any.
use strict;
use warnings;

local $/;
my $bad = 0;
for my $file (@ARGV) {
    open(my $in, '<', $file) or die "$file: $!";
    (my $code = <$in>) =~ s{/\*.*?\*/|//[^\n]*}{}gs;
    for my $statement (split /;/, $code) {
        if ($statement =~ /&(\w+)\)\s*,[^;]*?\b\1\b/s) {
            print "$file: $&\n";
            $bad = 1;
        }
    }
}
exit $bad;
