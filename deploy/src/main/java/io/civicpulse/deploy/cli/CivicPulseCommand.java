package io.civicpulse.deploy.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code civicpulse} command line: one runnable jar for every part of the pipeline. */
@Command(name = "civicpulse",
        mixinStandardHelpOptions = true,
        versionProvider = CivicPulseCommand.Version.class,
        description = "Live digital-maturity indicators for cities, from mobility and public-service event streams.",
        subcommands = {LocalCommand.class, IngestCommand.class, IntakeCommand.class, StreamsCommand.class,
                ProvisionCommand.class,
                BenchCommand.class, SimulateCommand.class, RecordCommand.class, ReplayCommand.class,
                CommandLine.HelpCommand.class})
public final class CivicPulseCommand {

    public static void main(String[] args) {
        int exit = new CommandLine(new CivicPulseCommand()).execute(args);
        System.exit(exit);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = CivicPulseCommand.class.getPackage().getImplementationVersion();
            return new String[] {"civicpulse " + (version == null ? "development build" : version)};
        }
    }
}
