return MemServe.Cli.CliApp.Run(args);
