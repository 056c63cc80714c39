#pragma once
// Cold-start measurement (bench/gui/run.py): with SLUICE_EXIT_AFTER_FIRST_PAINT set, the app prints the
// wall-clock time at which the time plot first finished painting a pixel's data and then quits. The clock
// is CLOCK_REALTIME so that the benchmark can subtract the moment it started the process.
namespace sluice::gui {

class MainWindow;

/// Installs the probe if the environment asks for it; returns whether it did.
bool install_first_paint_probe(MainWindow& window);

} // namespace sluice::gui
