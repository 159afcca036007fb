# The two things every engineer runs before landing (README: Tests, Checks).
.PHONY: check test

check:
	scripts/check

test:
	python -m pytest -q -p no:cacheprovider
