#!/bin/sh
# A kernel test that always fails: vm/test-kernel.sh checks that vm/run-tests.sh reports it.
echo "selftest: failing on purpose"
exit 7
