using Addons.Host.Hosting;

return await HostProgram.RunAsync(args, Console.Out, Console.Error);
