using EdgeML.Worker;

return WorkerCommands.Create().Parse(args).Invoke();
