// End-to-end builds are heavy (2 cores): run them one at a time.
[assembly: DoNotParallelize]
