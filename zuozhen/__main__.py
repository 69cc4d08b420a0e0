from zuozhen.cli import main

main()
