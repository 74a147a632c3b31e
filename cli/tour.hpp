#pragma once
/// canopy tour [SCENARIO...]: runs the documented use cases on the real
/// runtime and narrates each numbered point of its document as it happens.
int canopy_cli_tour(int argc, char** argv);
